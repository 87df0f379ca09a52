import { Injectable } from '@nestjs/common';
import { type ClientBase, type QueryResult } from 'pg';
import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';
import { DomainEvent, DomainEvents, PendingEvent } from '../events/domain-events';
import { OutboxRepository } from '../events/outbox.repository';
import { PreparedStatement, executeFailed, executeLiteral, executeText, queryRows } from './sql';

export interface TxContext {
  em: EntityManager;
  /** Queue an event: it is written to the outbox in this transaction and published only after commit. */
  emit(event: PendingEvent): void;
  /** Run after a successful commit (e.g. wake a worker). */
  afterCommit(fn: () => unknown): void;
  /**
   * The transaction's last statement, sent after the work returns, together with the outbox rows
   * and the COMMIT in one round trip (once this connection has parsed it). Its rows are not
   * returned: for a write whose outcome the work already knows (it emitted the events). If it
   * fails, `run` rejects and nothing of the transaction stays.
   */
  commitWith(sql: PreparedStatement, params: unknown[]): void;
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

/**
 * The context of work inside a savepoint of `tx` (a hook, a batch item): its events and after-commit
 * steps are the caller's to keep or drop with the savepoint; a last statement cannot wait past it.
 */
export function savepointContext(em: EntityManager, emit: TxContext['emit'], afterCommit: TxContext['afterCommit']): TxContext {
  return {
    em,
    emit,
    afterCommit,
    commitWith: () => {
      throw new Error('work inside a savepoint cannot leave its last statement for the COMMIT');
    },
  };
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
      const final: { last?: { sql: PreparedStatement; params: unknown[] } } = {};
      try {
        result = await work({
          em: runner.manager,
          emit: (e) => pending.push(e),
          afterCommit: (fn) => hooks.push(fn),
          commitWith: (sql, params) => {
            if (final.last) throw new Error('a transaction has one last statement');
            final.last = { sql, params };
          },
        });
      } finally {
        // The work sent no statement (nothing to read, or it failed first): no transaction is open yet.
        opened = begun.settle();
        if (!opened) markTransaction(runner, false);
      }
      // What is left goes in one simple query ending with the COMMIT: the BEGIN if the work sent no
      // statement, its last statement (`commitWith`), the outbox rows. If a statement fails
      // PostgreSQL runs nothing after it (the COMMIT included) and the catch below rolls back; if
      // the COMMIT fails the transaction is gone, as with a plain COMMIT. A prepared statement this
      // connection has not parsed yet goes on its own first (it parses there), and so does the
      // BEGIN before it.
      // `label`: how an error names the statement (not by its values: message texts stay out of logs).
      const together: Array<{ text: string; results: number; label: string }> = [];
      const send = async (texts: typeof together) => {
        const sql = texts.map((t) => t.text).join(';\n');
        const results = await simpleQuery<{ seq: string }>(client, sql, texts.map((t) => t.label).join('; ')).catch((err: unknown) => {
          executeFailed(err);
          throw err;
        });
        texts.length = 0;
        return results;
      };
      let open = opened;
      const beginHere = () => {
        if (open) return;
        together.push({ text: begin, results: beginStatements(begin), label: begin });
        markTransaction(runner, true);
        open = true;
      };
      const last = final.last;
      if (last) {
        beginHere();
        const text = executeText(runner.manager, last.sql, last.params);
        if (text !== null) together.push({ text, results: 1, label: `EXECUTE ${last.sql.name}(…)` });
        else {
          if (together.length) await send(together);
          await queryRows<object>(runner.manager, last.sql, last.params);
        }
      }
      let outboxAt = -1;
      if (pending.length) {
        beginHere();
        const append = this.outbox.appendStatement(runner.manager, pending);
        if (append !== null) {
          outboxAt = together.reduce((n, t) => n + t.results, 0);
          together.push({ text: append, results: 1, label: 'INSERT INTO outbox_events (…)' });
        } else {
          // The first large outbox write on this connection: the prepared INSERT parses here, then the COMMIT.
          if (together.length) await send(together);
          published = this.outbox.numbered(pending, await this.outbox.appendMany(runner.manager, pending));
        }
      }
      if (open) {
        together.push({ text: 'COMMIT', results: 1, label: 'COMMIT' });
        const results = await send(together);
        if (outboxAt >= 0) published = this.outbox.numbered(pending, results[outboxAt].rows);
      }
      markTransaction(runner, false);
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
    this.publish(published);
    for (const hook of hooks) await hook();
    return result;
  }

  /**
   * One prepared statement as a transaction of its own, sent with its BEGIN and its COMMIT in ONE
   * simple-protocol query once this connection has parsed it (the first time on a connection it
   * goes the way of `run`, and parses there): for a statement that writes its own outbox rows (the
   * caller publishes them with `publish` after this returns). If it fails, PostgreSQL skips the
   * COMMIT and nothing of it stays; the error is rethrown after the rollback.
   */
  async commitOne<Row extends object>(sql: PreparedStatement, params: unknown[], opts: RunOptions = {}): Promise<Row[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as ClientBase;
      const text = executeText(runner.manager, sql, params);
      if (text !== null) {
        const begin = beginText(opts);
        markTransaction(runner, true);
        const results = await simpleQuery<Row>(client, `${begin};\n${text};\nCOMMIT`, `${begin}; EXECUTE ${sql.name}(…); COMMIT`).catch((err: unknown) => {
          executeFailed(err);
          throw err;
        });
        markTransaction(runner, false);
        return results[beginStatements(begin)].rows;
      }
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
    // Not parsed on this connection yet (or a value that cannot be a literal): as `run` would send it.
    return this.run((tx) => queryRows<Row>(tx.em, sql, params), opts);
  }

  /** Events a statement wrote to the outbox itself (see `commitOne`), published as `run` publishes a transaction's: one batch. */
  publish(events: DomainEvent[]): void {
    const batch = ++batches;
    this.events.publish(events.map((e) => ({ ...e, batch })));
  }
}
