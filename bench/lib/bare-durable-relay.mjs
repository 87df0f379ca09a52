/**
 * The bound of figure 2's `message.created` targets: the bare socket.io relay of bare-server.mjs,
 * except that each POST /emit first commits the rows an ingested message of a new thread writes,
 * in one raw statement (the schema's floor, FLOOR_NEW), and emits once it committed. No auth, no
 * validation, no idempotency check, no routing. What it adds to the bare relay's latency is the
 * least a durable ingest adds on this machine: a live `message.created` the server has not stored
 * yet would be lost with it on a crash, so no inbox may emit sooner.
 * Env: DATABASE_URL (a migrated database), INBOX_ID (an API inbox in it), POOL_SIZE (default 10).
 */
import pg from 'pg';
import { Server } from 'socket.io';
import { bareJsonServer, listenBare } from './bare-http.mjs';
import { FLOOR_NEW } from './floor-sql.mjs';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
const inboxId = process.env.INBOX_ID;
let seq = 0;
const http = bareJsonServer({
  path: '/emit',
  handle: async (body) => {
    const thread = String(body.contact?.identifier ?? body.externalId);
    await pool.query({ name: 'floor-new', text: FLOOR_NEW, values: [inboxId, thread, String(body.text), String(body.externalId)] });
    io.emit('message.created', { seq: ++seq, data: body });
    return { ok: true, seq };
  },
});
const io = new Server(http, { transports: ['websocket'] });
listenBare(http, { beforeClose: () => io.close(), afterClose: () => pool.end() });
