/**
 * The HTTP baseline of the ingest figure: a bare node:http server (no framework, no auth, no
 * validation) whose every POST parses its JSON body and commits one row with the raw INSERT of the
 * figure's baseline (`bench_raw_insert`) on a pg pool of BARE_POOL_SIZE connections, then answers
 * 201 with the row's id. Against the same load generator as the ingest runs, it is the least an
 * HTTP ingest can cost on this machine.
 */
import { createServer } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.BARE_POOL_SIZE ?? 1) });
const http = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const { rows } = await pool.query({
        name: 'bare-insert',
        text: `INSERT INTO bench_raw_insert (inbox_id, external_id, body) VALUES ($1, $2, $3) RETURNING id`,
        values: ['00000000-0000-4000-8000-000000000001', String(body.externalId), String(body.text)],
      });
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: rows[0].id }));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
    }
  });
});
http.listen(0, '127.0.0.1', () => process.stdout.write(`bare server listening: http://127.0.0.1:${http.address().port}\n`));
process.on('SIGTERM', () => http.close(() => pool.end().then(() => process.exit(0))));
