import { RepeatedStatements } from './repeated-statements';

const FETCH = `WITH next AS (SELECT id FROM pgboss.job_common j WHERE j.name = 'q' LIMIT 1 FOR UPDATE OF j SKIP LOCKED) UPDATE pgboss.job_common j SET state = 'active' FROM next WHERE j.id = next.id RETURNING j.id`;

describe('RepeatedStatements', () => {
  it('names a statement the second time it comes, then keeps its name', () => {
    const s = new RepeatedStatements('pgboss');
    expect(s.toSend(FETCH)).toBe(FETCH);
    const named = s.toSend(FETCH);
    expect(named).toEqual({ name: expect.stringMatching(/^pgboss_/), text: FETCH });
    expect(s.toSend(FETCH)).toEqual(named);
    const other = 'SELECT 1 FROM pgboss.queue WHERE name = $1';
    s.toSend(other);
    expect(s.toSend(other)).toEqual({ name: expect.not.stringMatching((named as { name: string }).name), text: other });
  });

  it('leaves several statements, anything but reading or writing rows, and results of all columns as text', () => {
    const s = new RepeatedStatements('pgboss');
    for (const text of [
      'BEGIN; SELECT 1; COMMIT',
      'CREATE INDEX i ON t (a)',
      'LISTEN pgboss',
      'SELECT 1;',
      'SELECT * FROM inboxes WHERE id = $1',
      'SELECT i.* FROM inboxes i',
      'UPDATE t SET a = 1 RETURNING *',
      'SELECT a, t.* FROM t',
    ]) {
      s.toSend(text);
      expect(s.toSend(text)).toBe(text);
    }
  });

  it('names at most its limit of texts', () => {
    const s = new RepeatedStatements('t', 2);
    for (const t of ['SELECT 1', 'SELECT 2', 'SELECT 3']) s.toSend(t);
    expect(typeof s.toSend('SELECT 1')).toBe('object');
    expect(typeof s.toSend('SELECT 2')).toBe('object');
    expect(s.toSend('SELECT 3')).toBe('SELECT 3');
  });

  it('gives every text a new name once a plan was refused, so it is prepared afresh', () => {
    const s = new RepeatedStatements('pgboss');
    s.toSend(FETCH);
    const before = s.toSend(FETCH) as { name: string };
    s.forget();
    expect(s.toSend(FETCH)).toBe(FETCH);
    const after = s.toSend(FETCH) as { name: string };
    expect(after.name).not.toBe(before.name);
  });

  it('names counts, products and a subquery of named columns, whose result a new column does not change', () => {
    const s = new RepeatedStatements('t');
    for (const text of [
      'SELECT count(*)::int AS n FROM t WHERE a = $1',
      'SELECT a * 2 AS b FROM t WHERE a = $1',
      'SELECT *, a > 1 AS big FROM json_to_recordset($1) AS x (a int)',
    ]) {
      s.toSend(text);
      expect(typeof s.toSend(text)).toBe('object');
    }
  });
});
