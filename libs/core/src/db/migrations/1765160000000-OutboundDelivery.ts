import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replies that always end `sent` or `failed`:
 * - `sending`: an attempt is on the wire. Marked before the network call, so a crash leaves a
 *   visible trace, and the retry knows it may be re-sending (with the same delivery id).
 * - `job_id`: the pg-boss job that currently owns the message. Claims and settlements are fenced
 *   on it, and the reconciler joins it to find messages whose job is gone, failed or expired.
 * - `delivery_deadline`: when the current attempt should have settled; past it an agent may retry.
 */
export class OutboundDelivery1765160000000 implements MigrationInterface {
  name = 'OutboundDelivery1765160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP CONSTRAINT messages_status_check`);
    await q.query(`ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN ('queued','sending','sent','delivered','read','failed'))`);
    await q.query(`ALTER TABLE messages ADD COLUMN job_id uuid, ADD COLUMN delivery_deadline timestamptz`);
    // The reconciler's scan: only the few replies still in flight.
    await q.query(`CREATE INDEX messages_in_flight_idx ON messages (delivery_deadline) WHERE status IN ('queued','sending')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX messages_in_flight_idx`);
    await q.query(`UPDATE messages SET status = 'queued' WHERE status = 'sending'`);
    await q.query(`ALTER TABLE messages DROP COLUMN job_id, DROP COLUMN delivery_deadline`);
    await q.query(`ALTER TABLE messages DROP CONSTRAINT messages_status_check`);
    await q.query(`ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN ('queued','sent','delivered','read','failed'))`);
  }
}
