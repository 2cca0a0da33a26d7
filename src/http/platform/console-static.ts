/**
 * GET /console…: the console's single-page app from console/dist (hashed assets cached for a year,
 * index.html for every client-side route). Not built: a page saying how to build it.
 */
import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Foyer console</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The Foyer console is not built</h1>
<p>Build it once from the Foyer directory, then reload this page:</p>
<pre style="background: #f2f2f2; padding: 1rem">npx vite build --config console/vite.config.ts</pre>
<p>The management API it uses is at <code>/platform/v1</code> (docs/platform-api.md).</p>
</body></html>
`;

export function consoleStatic(consoleDir: string) {
  const root = normalize(consoleDir.endsWith(sep) ? consoleDir : `${consoleDir}${sep}`);
  return async (app: FastifyInstance) => {
    const built = existsSync(join(root, 'index.html'));
    if (built) await app.register(fastifyStatic, { root, serve: false });

    const sendIndex = (reply: FastifyReply) => {
      reply.header('cache-control', 'no-cache');
      if (!built) return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
      return reply.sendFile('index.html');
    };

    const schema = { summary: "The console's web app (HTML and assets)" };
    app.get('/console', { schema }, async (_request, reply) => sendIndex(reply));
    app.get<{ Params: { '*': string } }>('/console/*', { schema }, async (request, reply) => {
      const relative = request.params['*'];
      if (built && relative && !relative.split('/').includes('..')) {
        const file = normalize(join(root, relative));
        if (file.startsWith(root) && existsSync(file) && statSync(file).isFile()) {
          reply.header('cache-control', relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
          return reply.sendFile(relative);
        }
      }
      // A missing asset is a 404; anything else is a client-side route of the app.
      if (relative.startsWith('assets/')) return reply.code(404).type('text/plain').send('Not Found');
      return sendIndex(reply);
    });
  };
}
