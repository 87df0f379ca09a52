import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `ingest_refuse(reason)`: raises SQLSTATE IR001 with the reason. The one-round-trip ingest
 * (InboundRepository.storeAndCommit) sends its storing statement and the COMMIT together; when the
 * statement finds that the message needs more than it can do alone (a redelivery, SLA clocks to
 * move, contact details to fill, settings changed since the server last looked), it calls this:
 * the error aborts the transaction, PostgreSQL skips the COMMIT, nothing of it stays, and the
 * server stores the message the step-by-step way. Plain SQL has no way to raise an error of its own.
 */
export class IngestOneRoundTrip1766280000000 implements MigrationInterface {
  name = 'IngestOneRoundTrip1766280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION ingest_refuse(reason text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RAISE EXCEPTION 'ingest in one statement refused: %', reason USING ERRCODE = 'IR001';
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ingest_refuse(text)`);
  }
}
