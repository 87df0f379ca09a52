import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { executeText, prepared, queryRows, quoteLiteral } from '../db/sql';
import { DomainEvent, PendingEvent } from './domain-events';

/**
 * Up to this many events a transaction's outbox rows go as a VALUES list of literals with the
 * COMMIT (one round trip less); more go as arrays to one prepared INSERT (as an EXECUTE with the
 * COMMIT once the connection has parsed it; the first time on its own, then the COMMIT). PostgreSQL plans a VALUES list
 * row by row and parses each jsonb literal: 1,000 events of a batch of 500 new threads took 41 to
 * 60 ms as literals against 20 to 26 ms as arrays, round trips included, and escaping them in
 * JavaScript was 7% of the server's CPU in a batch ingest (`npx node bench/profile-ingest.mjs 500
 * --batches=10 --modes=batch-new`).
 */
export const OUTBOX_INLINE_MAX = 32;

/**
 * Rows take their sequence numbers in array order (ORDER BY the ordinality). The payloads travel as
 * ONE JSON array, not a jsonb[] array literal: no array escaping of every quote in JavaScript and
 * PostgreSQL parses one document (1,000 events of a batch: 6.6 -> 4.0 ms for the statement).
 */
const APPEND_MANY = prepared(
  'outbox_append_many_json',
  `INSERT INTO outbox_events (type, conversation_id, payload)
   SELECT e.type, e.conversation_id, p.payload
   FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS e(type, conversation_id, n)
   JOIN jsonb_array_elements($3::jsonb) WITH ORDINALITY AS p(payload, n) USING (n)
   ORDER BY e.n RETURNING seq`,
);

@Injectable()
export class OutboxRepository {
  /**
   * The statement that writes a transaction's events to the outbox, as text (Transactions sends it
   * together with the COMMIT in one simple-protocol query, which cannot bind parameters): up to
   * OUTBOX_INLINE_MAX events as a VALUES list of literals, more as an EXECUTE of the prepared
   * INSERT over arrays once this connection has parsed it. Null: not yet parsed here, so
   * `appendMany` sends it on its own (and parses it). Rows take their sequence numbers in event order.
   */
  appendStatement(em: EntityManager, events: PendingEvent[]): string | null {
    if (events.length > OUTBOX_INLINE_MAX) return executeText(em, APPEND_MANY, manyParams(events));
    const values = events
      .map((e) => `(${quoteLiteral(e.type)}, ${e.conversationId === null ? 'NULL' : `${quoteLiteral(e.conversationId)}::uuid`}, ${quoteLiteral(JSON.stringify(e.payload))}::jsonb)`)
      .join(',\n');
    return `INSERT INTO outbox_events (type, conversation_id, payload) VALUES ${values} RETURNING seq`;
  }

  /** A transaction's events as one prepared statement over arrays (see OUTBOX_INLINE_MAX); the COMMIT follows it. */
  async appendMany(em: EntityManager, events: PendingEvent[]): Promise<Array<{ seq: string }>> {
    return queryRows<{ seq: string }>(em, APPEND_MANY, manyParams(events));
  }

  /** The events with the sequence numbers `appendStatement` or `appendMany` returned (sorted, they map back in order). */
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

/** APPEND_MANY's parameters: types, conversation ids, the payloads as one JSON array. */
function manyParams(events: PendingEvent[]): unknown[] {
  return [events.map((e) => e.type), events.map((e) => e.conversationId), JSON.stringify(events.map((e) => e.payload))];
}
