/** A statement as node-postgres takes it: plain text, or a named (prepared) statement. */
export type RepeatedQuery = string | { name: string; text: string };

/** One statement that reads or writes rows. */
const SINGLE_DML = /^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b/i;
/**
 * A result of all a table's columns (`SELECT * FROM t`, `t.*`, `RETURNING *`): a column added by a
 * newer replica's migration changes it, and PostgreSQL then refuses the prepared plan ("cached
 * plan must not change result type"), so such statements stay plain. `SELECT *, …` over a
 * subquery of named columns (pg-boss's insert reads its jobs from `json_to_recordset`) is named.
 */
const ALL_COLUMNS = /\bSELECT\s+(DISTINCT\s+)?\*\s*(FROM\b|$)|\bRETURNING\s+\*|"?\w+"?\.\*/i;

/**
 * Names the statements a client repeats, so node-postgres prepares each once per connection and
 * then only binds and executes it: PostgreSQL parses and plans a statement sent as text every
 * time, and for the short statements of a request or a job planning is most of their cost (a
 * keyed job fetch: 0.35 ms of PostgreSQL's CPU planned each time, 0.05 ms prepared). The same
 * idea as pgjdbc's `prepareThreshold` and Npgsql's automatic preparation.
 *
 * A text is named the second time it comes (one-off texts stay plain), only when it is one
 * statement that reads or writes rows (a name cannot carry several statements) and does not
 * select all columns (see ALL_COLUMNS), and at most `limit` texts are (each costs memory on
 * every connection). `forget()` after PostgreSQL refused a plan: every text goes by a new name.
 */
export class RepeatedStatements {
  private readonly seen = new Set<string>();
  private readonly names = new Map<string, string>();
  private generation = 0;

  constructor(
    private readonly prefix: string,
    private readonly limit = 100,
  ) {}

  /** What to send for `text`. */
  toSend(text: string): RepeatedQuery {
    const known = this.names.get(text);
    if (known) return { name: known, text };
    if (this.names.size >= this.limit || !SINGLE_DML.test(text) || text.includes(';') || ALL_COLUMNS.test(text)) return text;
    if (!this.seen.has(text)) {
      if (this.seen.size >= 10 * this.limit) this.seen.clear();
      this.seen.add(text);
      return text;
    }
    this.seen.delete(text);
    const name = `${this.prefix}_${this.generation}_${this.names.size}`;
    this.names.set(text, name);
    return { name, text };
  }

  /** The texts named so far, with their names. */
  named(): Array<{ name: string; text: string }> {
    return [...this.names].map(([text, name]) => ({ name, text }));
  }

  /** PostgreSQL refused a prepared plan (a table changed shape under it): new names from now on. */
  forget(): void {
    this.generation++;
    this.names.clear();
  }
}
