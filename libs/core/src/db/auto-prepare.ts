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
 * The application pool's client (`extra.Client` in `dataSourceOptions`): a statement sent with
 * parameters that this process has sent before goes as a named statement (see
 * RepeatedStatements), so PostgreSQL plans it once per connection. The hottest statements were
 * already named by hand (`prepared()` in sql.ts); this covers the rest, the repositories' by-id
 * reads and writes a reply or a job makes a dozen of (measured: `npx node
 * bench/profile-replies.mjs`, README "Fifteenth wave"). A statement without parameters goes as
 * text (it may hold several statements). DATABASE_PREPARED_STATEMENTS=false turns it off.
 */
export class AutoPreparingClient extends Client {}

(AutoPreparingClient.prototype as unknown as { query: QueryFn }).query = function query(this: Client, config: unknown, values?: unknown, callback?: unknown) {
  if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || typeof callback === 'function' || !preparedStatementsOn()) {
    return plainQuery().call(this, config, values, callback);
  }
  const q = repeated.toSend(config);
  if (typeof q === 'string') return plainQuery().call(this, config, values);
  return (plainQuery().call(this, { name: q.name, text: q.text }, values) as Promise<unknown>).catch((err: unknown) => {
    if (!isStalePlan(err)) throw err;
    // A table changed shape under the plan (a newer replica's migration): the names start again,
    // and, as sql.ts does for its own prepared statements, outside a transaction (nothing ran) the
    // statement goes again at once as text; inside one the refusal has aborted the transaction,
    // whose retry sends it again.
    repeated.forget();
    if ((this as Client & { getTransactionStatus(): string | null }).getTransactionStatus() !== 'I') throw err;
    return plainQuery().call(this, config, values);
  });
};
