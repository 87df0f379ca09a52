/**
 * What the bench's bare baseline servers share: a node:http server whose POSTs (to `path`, or to
 * any path without one) parse their JSON body and answer 201 with `handle(body)`'s result as JSON
 * (500 with the error when it throws; 404 for anything else), listening on 127.0.0.1 on a free port
 * with the line `startBareServer` waits for, and stopping on SIGTERM (`beforeClose` first, e.g.
 * socket.io's close, then the HTTP server, then `afterClose`, e.g. a pool's end).
 */
import { createServer } from 'node:http';

export function bareJsonServer({ path, handle }) {
  return createServer((req, res) => {
    if (req.method !== 'POST' || (path && req.url !== path)) {
      res.writeHead(404).end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const out = await handle(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
      }
    });
  });
}

export function listenBare(http, { beforeClose, afterClose } = {}) {
  http.listen(0, '127.0.0.1', () => process.stdout.write(`bare server listening: http://127.0.0.1:${http.address().port}\n`));
  process.on('SIGTERM', () => {
    beforeClose?.();
    http.close(() => Promise.resolve(afterClose?.()).then(() => process.exit(0)));
  });
}
