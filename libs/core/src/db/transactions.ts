import { Injectable } from '@nestjs/common';
import type { ClientBase, QueryResult } from 'pg';
import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';
import { DomainEvent, DomainEvents, PendingEvent } from '../events/domain-events';
import { OUTBOX_INLINE_MAX, OutboxRepository } from '../events/outbox.repository';

export interface TxContext {
  em: EntityManager;
  /** Queue an event: it is written to the outbox in this transaction and published only after commit. */
  emit(event: PendingEvent): void;
  /** Run after a successful commit (e.g. wake a worker). */
  afterCommit(fn: () => unknown): void;
}

let batches = 0;

/**
 * How a transaction begins: one round trip either way. `genericPlans` (RunOptions) adds `SET LOCAL
 * plan_cache_mode = force_generic_plan`: the prepared statements (sql.ts `prepared`) take arrays
 * (`unnest($1::uuid[])`), whose length a generic plan cannot know, so PostgreSQL's plan cache
 * kept choosing a custom plan, that is planning the statement again on every execution: 0.3 to
 * 0.7 ms of a 1 ms statement for one message (`npx node bench/profile-latency.mjs --statements`).
 * For a batch the custom plan, which sees 500 elements, is the better one (generic plans cost
 * batch ingest 5 to 25% of its rate), so only the transactions of one message, one conversation
 * or a small routing batch ask for generic plans.
 */
const BEGIN = 'START TRANSACTION';
const BEGIN_GENERIC = 'START TRANSACTION; SET LOCAL plan_cache_mode = force_generic_plan';

export interface RunOptions {
  /** Statements of this transaction use generic plans (see BEGIN_GENERIC): for transactions about one message or conversation. */
  genericPlans?: boolean;
}

/** `tx.run(work, GENERIC_PLANS)`: see BEGIN_GENERIC. */
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
    // EntityManager.transaction's steps, with the begin and the commit each one round trip that
    // carries more (see BEGIN_GENERIC and the outbox's appendStatement).
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as ClientBase;
      await simpleQuery(client, opts.genericPlans ? BEGIN_GENERIC : BEGIN);
      markTransaction(runner, true);
      result = await work({ em: runner.manager, emit: (e) => pending.push(e), afterCommit: (fn) => hooks.push(fn) });
      if (pending.length > OUTBOX_INLINE_MAX) {
        published = this.outbox.numbered(pending, await this.outbox.appendMany(runner.manager, pending));
        await simpleQuery(client, 'COMMIT');
      } else if (pending.length) {
        // If the INSERT fails PostgreSQL runs nothing after it (the COMMIT included) and the catch
        // below rolls back; if the COMMIT fails the transaction is gone, as with a plain COMMIT.
        const [inserted] = await simpleQuery<{ seq: string }>(client, `${this.outbox.appendStatement(pending)};\nCOMMIT`, 'INSERT INTO outbox_events (…); COMMIT');
        published = this.outbox.numbered(pending, inserted.rows);
      } else await simpleQuery(client, 'COMMIT');
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
