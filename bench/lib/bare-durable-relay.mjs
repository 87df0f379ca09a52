/**
 * The bound of figure 2's `message.created` targets: the bare socket.io relay of bare-server.mjs,
 * except that each POST /emit first commits the rows an ingested message of a new thread writes,
 * in one raw statement (the schema's floor, FLOOR_NEW), and emits once it committed. No auth, no
 * validation, no idempotency check, no routing. What it adds to the bare relay's latency is the
 * least a durable ingest adds on this machine: a live `message.created` the server has not stored
 * yet would be lost with it on a crash, so no inbox may emit sooner.
 * Env: DATABASE_URL (a migrated database), INBOX_ID (an API inbox in it), POOL_SIZE (default 10).
 */
import { createServer } from 'node:http';
import pg from 'pg';
import { Server } from 'socket.io';
import { FLOOR_NEW } from './floor-sql.mjs';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
const inboxId = process.env.INBOX_ID;
let seq = 0;
const http = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/emit') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const thread = String(body.contact?.identifier ?? body.externalId);
      await pool.query({ name: 'floor-new', text: FLOOR_NEW, values: [inboxId, thread, String(body.text), String(body.externalId)] });
      io.emit('message.created', { seq: ++seq, data: body });
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, seq }));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
    }
  });
});
const io = new Server(http, { transports: ['websocket'] });
http.listen(0, '127.0.0.1', () => process.stdout.write(`bare server listening: http://127.0.0.1:${http.address().port}\n`));
process.on('SIGTERM', () => {
  io.close();
  http.close(() => pool.end().then(() => process.exit(0)));
});
