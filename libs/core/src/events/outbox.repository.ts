import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainEvent, PendingEvent } from './domain-events';

@Injectable()
export class OutboxRepository {
  /** Appends in the caller's transaction; the returned events carry their sequence numbers. */
  async append(em: EntityManager, events: PendingEvent[]): Promise<DomainEvent[]> {
    if (events.length === 0) return [];
    const values: unknown[] = [];
    const tuples = events.map((e, i) => {
      values.push(e.type, e.conversationId, JSON.stringify(e.payload));
      return `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3}::jsonb)`;
    });
    const rows = await em.query<Array<{ seq: string }>>(`INSERT INTO outbox_events (type, conversation_id, payload) VALUES ${tuples.join(', ')} RETURNING seq`, values);
    return events.map((e, i): DomainEvent => ({ ...e, seq: Number(rows[i].seq) }));
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
