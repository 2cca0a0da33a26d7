/**
 * A TCP port free on 127.0.0.1 right now, for a listener whose port a child process must be told in
 * advance (FOYER_ADMIN_PORT: 0 there means off, not "any port"). The kernel hands out ephemeral ports
 * in turn, so the one just released is not handed to the next caller at once.
 */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
