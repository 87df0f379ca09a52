import { Injectable } from '@nestjs/common';
import { escapeLiteral } from 'pg';
import { EntityManager } from 'typeorm';
import { DomainEvent, PendingEvent } from './domain-events';

@Injectable()
export class OutboxRepository {
  /**
   * The statement that writes a transaction's events to the outbox, as text with escaped literals
   * (pg's `escapeLiteral`): Transactions sends it together with the COMMIT in one simple-protocol
   * query, which cannot bind parameters. Rows take their sequence numbers in VALUES order.
   */
  appendStatement(events: PendingEvent[]): string {
    const values = events
      .map(
        (e) => `(${escapeLiteral(e.type)}, ${e.conversationId === null ? 'NULL' : `${escapeLiteral(e.conversationId)}::uuid`}, ${escapeLiteral(JSON.stringify(e.payload))}::jsonb)`,
      )
      .join(',\n');
    return `INSERT INTO outbox_events (type, conversation_id, payload) VALUES ${values} RETURNING seq`;
  }

  /** The events with the sequence numbers `appendStatement` returned (sorted, they map back in order). */
  numbered(events: PendingEvent[], rows: Array<{ seq: string }>): DomainEvent[] {
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
