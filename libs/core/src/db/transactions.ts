import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainEvent, DomainEvents, PendingEvent } from '../events/domain-events';
import { OutboxRepository } from '../events/outbox.repository';

export interface TxContext {
  em: EntityManager;
  /** Queue an event: it is written to the outbox in this transaction and published only after commit. */
  emit(event: PendingEvent): void;
  /** Run after a successful commit (e.g. wake a worker). */
  afterCommit(fn: () => unknown): void;
}

let batches = 0;

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

  async run<T>(work: (tx: TxContext) => Promise<T>): Promise<T> {
    const pending: PendingEvent[] = [];
    const hooks: Array<() => unknown> = [];
    let published: DomainEvent[] = [];
    const result = await this.dataSource.transaction(async (em) => {
      const value = await work({ em, emit: (e) => pending.push(e), afterCommit: (fn) => hooks.push(fn) });
      published = await this.outbox.append(em, pending);
      return value;
    });
    const batch = ++batches;
    this.events.publish(published.map((e) => ({ ...e, batch })));
    for (const hook of hooks) await hook();
    return result;
  }
}
