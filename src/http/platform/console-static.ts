/**
 * GET /console…: the console's single-page app from console/dist (hashed assets cached for a year,
 * index.html for every client-side route). Not built: a page saying how to build it.
 *
 * The file sender (ETag, Last-Modified, ranges, content types) is loaded on the first console request,
 * not at start: most servers never serve the console, and it and its MIME table cost about 1.5 MB of
 * heap that an idle server should not hold.
 */
import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadOnce } from '../../load-once.js';

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

const fileSender = loadOnce(() => import('@fastify/send').then((module) => module.default));

/**
 * Sends `relative`, a path the caller has already checked is a regular file inside `root`. The sender
 * checks again (no `..`, no dotfiles) and answers conditional and range requests itself.
 */
async function sendFile(request: FastifyRequest, reply: FastifyReply, root: string, relative: string, cacheControl: string) {
  const send = await fileSender();
  const path = `/${relative.split('/').map(encodeURIComponent).join('/')}`;
  const sent = await send(request.raw, path, { root, cacheControl: false, dotfiles: 'ignore', index: false });
  // Errors (412, 416, a file gone since the check) go out as the sender wrote them, uncached.
  const ok = sent.statusCode < 400;
  return reply.code(sent.statusCode).headers(sent.headers).header('cache-control', ok ? cacheControl : 'no-store').send(sent.stream);
}

export function consoleStatic(consoleDir: string) {
  const root = normalize(consoleDir.endsWith(sep) ? consoleDir : `${consoleDir}${sep}`);
  return async (app: FastifyInstance) => {
    const built = existsSync(join(root, 'index.html'));

    const sendIndex = (request: FastifyRequest, reply: FastifyReply) => {
      if (!built) return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(NOT_BUILT);
      return sendFile(request, reply, root, 'index.html', 'no-cache');
    };

    const schema = { summary: "The console's web app (HTML and assets)" };
    app.get('/console', { schema }, async (request, reply) => sendIndex(request, reply));
    app.get<{ Params: { '*': string } }>('/console/*', { schema }, async (request, reply) => {
      const relative = request.params['*'];
      if (built && relative && !relative.split('/').includes('..')) {
        const file = normalize(join(root, relative));
        if (file.startsWith(root) && existsSync(file) && statSync(file).isFile()) {
          return sendFile(request, reply, root, relative, relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
        }
      }
      // A missing asset is a 404; anything else is a client-side route of the app.
      if (relative.startsWith('assets/')) return reply.code(404).type('text/plain').send('Not Found');
      return sendIndex(request, reply);
    });
  };
}
