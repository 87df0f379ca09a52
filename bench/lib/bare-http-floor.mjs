/**
 * The ingest figure's measured HTTP bound: the bare node:http server of `bare-http-insert.mjs`
 * (no framework, no auth, no validation, no events) writing the schema's floor instead of the raw
 * INSERT: a message's own rows by one prepared statement (bench/lib/floor-sql.mjs) on a pg pool of
 * BARE_POOL_SIZE connections, into the API message's thread (`contact.identifier`) of BARE_INBOX_ID.
 * With BARE_THREADS=existing a message goes into its thread's open conversation, and a thread
 * without one (the warm-up's) is opened with the new-thread statement. Against the same load
 * generator as the ingest runs, no HTTP ingest server that stores a message's rows can beat it on
 * this machine: a target above its ratio is out of reach.
 */
import pg from 'pg';
import { bareJsonServer, listenBare } from './bare-http.mjs';
import { FLOOR_EXISTING, FLOOR_NEW } from './floor-sql.mjs';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.BARE_POOL_SIZE ?? 1) });
const inboxId = process.env.BARE_INBOX_ID;
const existing = process.env.BARE_THREADS === 'existing';
const write = (name, text, body) => pool.query({ name, text, values: [inboxId, String(body.contact.identifier), String(body.text), String(body.externalId)] });

const http = bareJsonServer({
  handle: async (body) => {
    if (existing && (await write('floor-existing', FLOOR_EXISTING, body)).rowCount > 0) return { stored: true };
    await write('floor-new', FLOOR_NEW, body);
    return { stored: true };
  },
});
listenBare(http, { afterClose: () => pool.end() });
