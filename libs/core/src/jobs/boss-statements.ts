/** A statement as node-postgres takes it: plain text, or a named (prepared) statement. */
export type BossQuery = string | { name: string; text: string };

/** One statement that reads or writes rows (what pg-boss repeats: fetch, send, complete, fail). */
const SINGLE_DML = /^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b/i;

/**
 * pg-boss sends its statements as text, so PostgreSQL parses and plans each one again: a worker's
 * fetch (an UPDATE through pg-boss's partitioned job table, with a probe of the key's running
 * job on a keyed queue) cost 0.35 ms of PostgreSQL's CPU planned each time and 0.05 ms prepared,
 * and every job is at least a send, a fetch or several (every idle worker of a queue fetches when
 * a job is filed) and a completion. This names the texts pg-boss repeats, so node-postgres
 * prepares each once per connection and then only binds and executes it (as `prepared()` in
 * `db/sql.ts` does for the app's own statements).
 *
 * A text is named the second time it comes (one-off texts, maintenance and migrations, stay
 * plain), only when it is one statement that reads or writes rows (a name cannot carry several
 * statements), and at most `limit` texts are (each costs memory on every connection).
 */
export class BossStatements {
  private readonly seen = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private generation = 0;

  constructor(private readonly limit = 100) {}

  /** What to send for `text`. */
  toSend(text: string): BossQuery {
    const known = this.names.get(text);
    if (known) return { name: known, text };
    if (this.names.size >= this.limit || !SINGLE_DML.test(text) || text.includes(';')) return text;
    if (!this.seen.has(text)) {
      if (this.seen.size >= 10 * this.limit) this.seen.clear();
      this.seen.set(text, 1);
      return text;
    }
    this.seen.delete(text);
    const name = `pgboss_${this.generation}_${this.names.size}`;
    this.names.set(text, name);
    return { name, text };
  }

  /**
   * PostgreSQL refused a prepared plan (pg-boss's tables changed shape under it, a newer replica's
   * migration): the texts go by new names from now on, prepared afresh.
   */
  forget(): void {
    this.generation++;
    this.names.clear();
  }
}
