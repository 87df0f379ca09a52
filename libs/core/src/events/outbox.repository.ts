import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { prepared, queryRows } from '../db/sql';
import { DomainEvent, PendingEvent } from './domain-events';

const APPEND = prepared(
  'outbox_append',
  `INSERT INTO outbox_events (type, conversation_id, payload)
   SELECT type, conversation_id, payload FROM unnest($1::text[], $2::uuid[], $3::jsonb[]) WITH ORDINALITY AS e(type, conversation_id, payload, n) ORDER BY n
   RETURNING seq`,
);

@Injectable()
export class OutboxRepository {
  /** Appends in the caller's transaction; the returned events carry their sequence numbers. */
  async append(em: EntityManager, events: PendingEvent[]): Promise<DomainEvent[]> {
    if (events.length === 0) return [];
    // One statement text for any number of events (so it stays prepared). Rows take their sequence
    // numbers in input order (ORDER BY n), so the sorted numbers map back to the events in order.
    const rows = await queryRows<{ seq: string }>(em, APPEND, [events.map((e) => e.type), events.map((e) => e.conversationId), events.map((e) => JSON.stringify(e.payload))]);
    const seqs = rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
    return events.map((e, i): DomainEvent => ({ ...e, seq: seqs[i] }));
  }

  async after(em: EntityManager, afterSeq: number, limit: number): Promise<DomainEvent[]> {
    const rows = await em.query<Array<{ seq: string; type: DomainEvent['type']; conversation_id: string | null; payload: unknown }>>(
      `SELECT seq, type, conversation_id, payload FROM outbox_events WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [afterSeq, limit],
    );
    // The outbox only ever holds what `append` wrote from typed events: the row's type names its payload's shape.
    return rows.map((r) => ({ seq: Number(r.seq), type: r.type, conversationId: r.conversation_id, payload: r.payload }) as DomainEvent);
  }

  async lastSeq(em: EntityManager): Promise<number> {
    const [row] = await em.query<Array<{ seq: string }>>(`SELECT coalesce(max(seq), 0) AS seq FROM outbox_events`);
    return Number(row.seq);
  }
}
