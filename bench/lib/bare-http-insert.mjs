/**
 * The HTTP baseline of the ingest figure: a bare node:http server (no framework, no auth, no
 * validation) whose every POST parses its JSON body and commits one row with the raw INSERT of the
 * figure's baseline (`bench_raw_insert`) on a pg pool of BARE_POOL_SIZE connections, then answers
 * 201 with the row's id. Against the same load generator as the ingest runs, it is the least an
 * HTTP ingest can cost on this machine.
 */
import pg from 'pg';
import { bareJsonServer, listenBare } from './bare-http.mjs';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.BARE_POOL_SIZE ?? 1) });
const http = bareJsonServer({
  handle: async (body) => {
    const { rows } = await pool.query({
      name: 'bare-insert',
      text: `INSERT INTO bench_raw_insert (inbox_id, external_id, body) VALUES ($1, $2, $3) RETURNING id`,
      values: ['00000000-0000-4000-8000-000000000001', String(body.externalId), String(body.text)],
    });
    return { id: rows[0].id };
  },
});
listenBare(http, { afterClose: () => pool.end() });
