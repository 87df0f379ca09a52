import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `inbox_message_vector`, which the messages' search trigger calls for every message, as PL/pgSQL
 * instead of SQL, with the same result. A SQL function whose body has a FROM clause is never
 * inlined, and PostgreSQL keeps a SQL function's plan only for the query that calls it: called
 * from the trigger once a transaction (one message an ingest), its body was parsed and planned
 * again for every message. PL/pgSQL keeps its plans for the session (the pool's connections live
 * long). The search vector of a message went from about 0.29 to 0.13 ms of PostgreSQL's time
 * (3,000 single-row INSERTs of a 100-character message, activity lines, which skip the vector, as
 * the baseline).
 */
export class MessageVectorPlpgsql1766290000000 implements MigrationInterface {
  name = 'MessageVectorPlpgsql1766290000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION inbox_message_vector(lang text, body text, subject text) RETURNS tsvector
      LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
      DECLARE
        cfg regconfig := inbox_search_config(lang, coalesce(subject, '') || ' ' || left(body, 2000));
      BEGIN
        RETURN setweight(to_tsvector(cfg, coalesce(subject, '')), 'A') || setweight(to_tsvector(cfg, left(body, 200000)), 'B');
      END $fn$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION inbox_message_vector(lang text, body text, subject text) RETURNS tsvector
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT setweight(to_tsvector(s.cfg, coalesce(subject, '')), 'A') || setweight(to_tsvector(s.cfg, left(body, 200000)), 'B')
        FROM (SELECT inbox_search_config(lang, coalesce(subject, '') || ' ' || left(body, 2000)) AS cfg) s
      $fn$;
    `);
  }
}
