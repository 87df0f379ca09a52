import { Client } from 'pg';
import { isStalePlan } from './pg-errors';
import { RepeatedStatements } from './repeated-statements';
import { preparedStatementsOn } from './sql';

/** The application's repeated statements, by text (one naming for every pool of this process: a name always means one text). */
const repeated = new RepeatedStatements('auto', 200);

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;
/** pg's own `query`, looked up at each call (instrumentation may wrap it meanwhile). */
const plainQuery = (): QueryFn => Client.prototype.query as unknown as QueryFn;

/**
 * The application pool's client (`extra.Client` in `dataSourceOptions`).
 *
 * Repeated statements: a statement sent with parameters that this process has sent before goes
 * as a named statement (see RepeatedStatements), so PostgreSQL plans it once per connection. The
 * hottest statements were already named by hand (`prepared()` in sql.ts); this covers the rest,
 * the repositories' by-id reads and writes a reply or a job makes a dozen of (measured: `npx node
 * bench/profile-replies.mjs`, README "Fifteenth wave"). A statement without parameters goes as
 * text (it may hold several statements). DATABASE_PREPARED_STATEMENTS=false turns it off.
 *
 * Garbage: every statement goes to pg with a callback of ours, and the client's read timeout
 * (`readTimeoutMillis`, in place of pg's `query_timeout`) is a timer of ours. pg's own promise
 * (`query.callback = (err, res) => ...`) and its read-timeout wrapper (`query.callback = (err,
 * res) => { clearTimeout(...) ... }`) are function literals assigned to a property, which V8
 * allocates straight in the old generation (it expects methods). Each such closure is garbage a
 * moment later but stays until the next full collection, and it holds its young context (the
 * query, its rows, the promise and every async function awaiting it) through every scavenge: at
 * 100 messages a second 4 to 5 MB of rows and transactions were copied at each scavenge (6 to 8
 * ms) and then promoted. Closures passed as arguments, as below, are allocated young.
 */
export class AutoPreparingClient extends Client {
  /** A statement unanswered this long fails with "Query read timeout" and closes the connection (0: never). */
  readonly readTimeoutMillis: number;

  constructor(config?: ConstructorParameters<typeof Client>[0] & { readTimeoutMillis?: number }) {
    super(config);
    this.readTimeoutMillis = (typeof config === 'object' && config?.readTimeoutMillis) || 0;
  }
}

/** The statements this process has named so far (see RepeatedStatements), for a new connection to prepare (warm-connection.ts). */
export function autoPreparedStatements(): Array<{ name: string; text: string }> {
  return repeated.named();
}

/**
 * A server that does not answer (frozen, partitioned) and cannot enforce its own
 * statement_timeout: the statement fails as pg's `query_timeout` fails it, and the connection is
 * closed, so the pool replaces it instead of queueing the next statements behind a dead one.
 */
function readTimedOut(client: AutoPreparingClient, reject: (err: Error) => void): void {
  // Ending first: the pool then drops the client when its holder releases it (right after the
  // rejection), instead of lending the dead connection again. With a statement running (this one,
  // or the one it waits behind) pg's end() destroys the socket rather than waiting for an answer.
  void client.end();
  reject(new Error('Query read timeout'));
}

type Answer = (err: Error | null, res?: unknown) => void;

/**
 * A statement's callback, answered with "Query read timeout" (and the connection closed) when the
 * statement is unanswered for the client's read timeout: the application's statements (`send`)
 * and a caller's own callback alike (without it, a frozen server held the rate limiter's
 * statement, and its connection, forever).
 */
function withReadTimeout(client: AutoPreparingClient, answer: Answer): Answer {
  if (client.readTimeoutMillis <= 0) return answer;
  let answered = false;
  const once: Answer = (err, res) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    answer(err, res);
  };
  const timer = setTimeout(readTimedOut, client.readTimeoutMillis, client, (err: Error) => once(err));
  return once;
}

/** pg's query with a callback, as a promise (see the class's note on garbage). */
function send(client: AutoPreparingClient, config: unknown, values: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // pg's own promise also re-captured the error's stack in a catch, for the caller's frames;
    // every caller here (TypeORM, Transactions, sql.ts) wraps the error in a QueryFailedError
    // that has them, so no promise more a statement for it.
    plainQuery().call(
      client,
      config,
      values,
      withReadTimeout(client, (err, res) => (err ? reject(err) : resolve(res))),
    );
  });
}

(AutoPreparingClient.prototype as unknown as { query: QueryFn }).query = function query(this: AutoPreparingClient, config: unknown, values?: unknown, callback?: unknown) {
  // A Query object (a cursor, a stream): pg's way, untouched.
  if (typeof config === 'object' && config !== null && typeof (config as { submit?: unknown }).submit === 'function') return plainQuery().call(this, config, values, callback);
  // A caller's own callback (pg-pool's `pool.query`, which the rate limiter uses): pg's way, under the read timeout.
  if (typeof callback === 'function') return plainQuery().call(this, config, values, withReadTimeout(this, callback as Answer));
  if (typeof values === 'function') return plainQuery().call(this, config, withReadTimeout(this, values as Answer));
  if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || !preparedStatementsOn()) {
    // pg adds the callback to a config object: a copy of the caller's.
    return send(this, typeof config === 'object' && config !== null ? { ...config } : config, values);
  }
  const q = repeated.toSend(config);
  if (typeof q === 'string') return send(this, config, values);
  return send(this, { name: q.name, text: q.text }, values).catch((err: unknown) => {
    if (!isStalePlan(err)) throw err;
    // A table changed shape under the plan (a newer replica's migration): the names start again,
    // and, as sql.ts does for its own prepared statements, outside a transaction (nothing ran) the
    // statement goes again at once as text; inside one the refusal has aborted the transaction,
    // whose retry sends it again.
    repeated.forget();
    if ((this as Client & { getTransactionStatus(): string | null }).getTransactionStatus() !== 'I') throw err;
    return send(this, config, values);
  });
};
