import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The GIN indexes that every message writes to (the messages' search vector; the conversation's
 * search vector and labels, whose row each message updates; the contacts') keep their pending
 * list, where new entries wait to be merged into the index, at 256 kB instead of PostgreSQL's
 * 4 MB. Measured on this machine (a table with the messages' tsvector, single-row INSERTs of
 * 8-22 words, autovacuum off as in CI):
 * - the insert that finds the list full merges it: 125-218 ms with 4 MB (one insert in about
 *   13,000), 14-26 ms with 256 kB (one in about 800; once 64 ms in eight runs); the merges' total
 *   work is about 5% more (20,000 inserts and the last merge: 7.44 s before, 7.83 s after);
 * - every search through the index reads the whole list: a search took 3.1 ms with 12,000
 *   entries pending (4 MB), 0.54 ms with 1,012 (the longest 256 kB list) and 0.28 ms with none.
 * `fastupdate = off` (no list) had no spike at all but cost 15% of the inserts a second.
 */
const INDEXES = ['messages_search_idx', 'conversations_search_idx', 'conversations_labels_idx', 'contacts_search_idx'];

export class GinPendingListLimit1766300000000 implements MigrationInterface {
  name = 'GinPendingListLimit1766300000000';

  async up(q: QueryRunner): Promise<void> {
    for (const index of INDEXES) await q.query(`ALTER INDEX ${index} SET (gin_pending_list_limit = 256)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of INDEXES) await q.query(`ALTER INDEX ${index} RESET (gin_pending_list_limit)`);
  }
}
