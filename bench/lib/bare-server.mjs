/**
 * The baseline of figures 2 and 3: a bare socket.io server (no auth, no database) whose
 * POST /emit sends the request body to every connected client as `message.created`.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

let seq = 0;
const http = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/emit') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    io.emit('message.created', { seq: ++seq, data: body });
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, seq }));
  });
});
const io = new Server(http, { transports: ['websocket'] });
http.listen(0, '127.0.0.1', () => process.stdout.write(`bare server listening: http://127.0.0.1:${http.address().port}\n`));
process.on('SIGTERM', () => {
  io.close();
  http.close(() => process.exit(0));
});
