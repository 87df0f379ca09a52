import { Injectable } from '@nestjs/common';
import { type ClientBase, type QueryResult } from 'pg';
import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';
import { DomainEvent, DomainEvents, PendingEvent } from '../events/domain-events';
import { OutboxRepository } from '../events/outbox.repository';
import { executeFailed, executeLiteral } from './sql';

export interface TxContext {
  em: EntityManager;
  /** Queue an event: it is written to the outbox in this transaction and published only after commit. */
  emit(event: PendingEvent): void;
  /** Run after a successful commit (e.g. wake a worker). */
  afterCommit(fn: () => unknown): void;
}

let batches = 0;

/**
 * How a transaction begins (sent with its first statement: beginWithFirstStatement). `genericPlans` (RunOptions) adds `SET LOCAL
 * plan_cache_mode = force_generic_plan` (GENERIC): the prepared statements (sql.ts `prepared`) take arrays
 * (`unnest($1::uuid[])`), whose length a generic plan cannot know, so PostgreSQL's plan cache
 * kept choosing a custom plan, that is planning the statement again on every execution: 0.3 to
 * 0.7 ms of a 1 ms statement for one message (`npx node bench/profile-latency.mjs --statements`).
 * For a batch the custom plan, which sees 500 elements, is the better one (generic plans cost
 * batch ingest 5 to 25% of its rate), so only the transactions of one message, one conversation
 * or a small routing batch ask for generic plans.
 */
const BEGIN = 'START TRANSACTION';
const GENERIC = 'SET LOCAL plan_cache_mode = force_generic_plan';
/**
 * `nestedLoops` (RunOptions): joins only as nested loops without a materialised inner side, for
 * transactions whose statements join a handful of keys (an array's elements) to tables by their
 * primary keys. A generic plan stays in the connection's cache until the table's statistics change,
 * and one made while the tables were small (a new database, a new deployment's first minutes)
 * hashed, or scanned once and kept in memory, the whole of `conversations` and `contacts` to join a
 * routing batch of one, and kept doing so as they grew, until autovacuum's next ANALYZE: into the
 * bench's 100 msg/s run, 1,500 rows of each a statement. With the other ways off, one index lookup
 * per key is the cheapest plan at any table size, and the plan's cost stays what it is:
 * `enable_seqscan = off` would add to it wherever no index serves, and push the plan past
 * `jit_above_cost` (compiling each execution for most of a second).
 */
const NESTED_LOOPS = 'SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_material = off';
const beginText = (opts: RunOptions) => [BEGIN, ...(opts.genericPlans ? [GENERIC] : []), ...(opts.nestedLoops ? [NESTED_LOOPS] : [])].join('; ');

/** How many results a BEGIN text answers with (its statements: constants without quoted semicolons). */
const beginStatements = (begin: string) => begin.split(';').length;

export interface RunOptions {
  /** Statements of this transaction use generic plans (see GENERIC): for transactions about one message or conversation. */
  genericPlans?: boolean;
  /** Joins only as nested loops (see NESTED_LOOPS): for statements joining a few keys to tables by primary key. */
  nestedLoops?: boolean;
}

/** `tx.run(work, GENERIC_PLANS)`: see GENERIC. */
export const GENERIC_PLANS: RunOptions = Object.freeze({ genericPlans: true });

/**
 * One simple-protocol query (several statements allowed, no parameters): pg answers with one result
 * per statement. Errors come out as TypeORM's QueryFailedError, like every other statement's, named
 * by `label` (the outbox's statement carries message texts, which do not belong in error logs).
 */
async function simpleQuery<Row extends object = object>(client: ClientBase, sql: string, label = sql): Promise<QueryResult<Row>[]> {
  try {
    const out = (await client.query<Row>(sql)) as QueryResult<Row> | QueryResult<Row>[];
    return Array.isArray(out) ? out : [out];
  } catch (err) {
    throw new QueryFailedError(label, [], err as Error);
  }
}

/**
 * The transaction's BEGIN travels with its first statement: one round trip less for every
 * transaction (a message's ingest, a routing batch, a resolve), each round trip costing this
 * server about 0.1 ms of CPU (`npx node bench/profile-roundtrip.mjs`). Until the work sends its
 * first statement, `client.query` is wrapped (an own property over pg's method, removed at the
 * first call): a prepared statement this connection has already parsed (sql.ts `prepared`) goes
 * as `EXECUTE name(literals)` after the BEGIN in one simple-protocol query, whose last result is
 * the statement's (EXECUTE reports its statement's command tag, so TypeORM reads it as usual);
 * anything else is sent after a BEGIN of its own, as before. Values that cannot be written as
 * literals (binary data, a NUL character) take the second way too. If the BEGIN succeeds and the
 * statement fails, the transaction is open and aborted: the caller's catch rolls it back as for
 * any statement. `settle()` removes the wrapper if no statement came and says whether the BEGIN
 * was sent.
 */
function beginWithFirstStatement(client: ClientBase, begin: string): { settle(): boolean } {
  let sent = false;
  const own = client as ClientBase & { query: ClientBase['query'] };
  // A query method already set on this client (instrumentation) is the one to call, and comes back after.
  const previous = Object.getOwnPropertyDescriptor(client, 'query');
  const send = (previous?.value ?? Object.getPrototypeOf(client).query) as (...args: unknown[]) => Promise<unknown>;
  const unwrap = () => {
    if (previous) Object.defineProperty(client, 'query', previous);
    else delete (own as Partial<typeof own>).query;
  };
  // A variable, then the property: a function literal assigned straight to a property is allocated
  // in the old generation by V8 (see AutoPreparingClient), and would hold this transaction's
  // context through every scavenge until the next full collection.
  const firstStatement = function firstStatement(config: unknown, values?: unknown, ...rest: unknown[]) {
    unwrap();
    sent = true;
    // A parsed prepared statement as EXECUTE, or text without parameters (several statements from
    // sql.ts queryRowsTogether): after the BEGIN in one simple query; the caller gets the results of
    // its own statements, as pg gives them for its text alone.
    const text = rest.length ? null : (executeLiteral(client, config, values) ?? (typeof config === 'string' && values === undefined ? config : null));
    if (text !== null) {
      return (send.call(client, `${begin};\n${text}`) as Promise<QueryResult | QueryResult[]>).then((out) => {
        const own = (Array.isArray(out) ? out : [out]).slice(beginStatements(begin));
        return own.length === 1 ? own[0] : own;
      });
    }
    return (send.call(client, begin) as Promise<unknown>).then(() => send.call(client, config, values, ...rest));
  } as ClientBase['query'];
  own.query = firstStatement;
  return {
    settle: () => {
      if (!sent) unwrap();
      return sent;
    },
  };
}

/**
 * Tells TypeORM's query runner what the simple queries above did to its transaction (what its own
 * startTransaction and commitTransaction would have recorded), so its rollback and any nested use
 * behave as after its own calls.
 */
function markTransaction(runner: QueryRunner, active: boolean): void {
  Object.assign(runner, { isTransactionActive: active, transactionDepth: active ? 1 : 0 });
}

@Injectable()
export class Transactions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly events: DomainEvents,
  ) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  async run<T>(work: (tx: TxContext) => Promise<T>, opts: RunOptions = {}): Promise<T> {
    const pending: PendingEvent[] = [];
    const hooks: Array<() => unknown> = [];
    let published: DomainEvent[] = [];
    let result: T;
    // EntityManager.transaction's steps, with the begin and the commit each carried by a round trip
    // that was going anyway (see beginWithFirstStatement and the outbox's appendStatement).
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as ClientBase;
      const begin = beginText(opts);
      const begun = beginWithFirstStatement(client, begin);
      markTransaction(runner, true);
      let opened = false;
      try {
        result = await work({ em: runner.manager, emit: (e) => pending.push(e), afterCommit: (fn) => hooks.push(fn) });
      } finally {
        // The work sent no statement (nothing to read, or it failed first): no transaction is open yet.
        opened = begun.settle();
        if (!opened) markTransaction(runner, false);
      }
      // Without a statement of the work, the BEGIN goes with the outbox rows, or nothing is sent.
      if (!opened && pending.length) markTransaction(runner, true);
      const append = pending.length ? this.outbox.appendStatement(runner.manager, pending) : null;
      if (append !== null) {
        // If the INSERT fails PostgreSQL runs nothing after it (the COMMIT included) and the catch
        // below rolls back; if the COMMIT fails the transaction is gone, as with a plain COMMIT.
        const sql = `${opened ? '' : `${begin};\n`}${append};\nCOMMIT`;
        const results = await simpleQuery<{ seq: string }>(client, sql, 'INSERT INTO outbox_events (…); COMMIT').catch((err: unknown) => {
          executeFailed(err);
          throw err;
        });
        published = this.outbox.numbered(pending, results[results.length - 2].rows);
      } else if (pending.length) {
        // The first large outbox write on this connection: the prepared INSERT parses here, then the COMMIT.
        if (!opened) await simpleQuery(client, begin);
        published = this.outbox.numbered(pending, await this.outbox.appendMany(runner.manager, pending));
        await simpleQuery(client, 'COMMIT');
      } else if (opened) await simpleQuery(client, 'COMMIT');
      markTransaction(runner, false);
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
    const batch = ++batches;
    this.events.publish(published.map((e) => ({ ...e, batch })));
    for (const hook of hooks) await hook();
    return result;
  }
}
