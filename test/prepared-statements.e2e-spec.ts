import { DataSource } from 'typeorm';
import { affectedRows, isRetryableConflict, prepared, queryRows } from '@inbox/core';
import { createTestDatabase } from './helpers/test-database';

/**
 * Named prepared statements against a real PostgreSQL: prepared once per connection, and a
 * statement whose table changed shape under it (another replica's migration) is prepared afresh.
 */
describe('prepared statements', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = new DataSource({ type: 'postgres', url: await createTestDatabase(), extra: { max: 1 } });
    await ds.initialize();
    await ds.query(`CREATE TABLE prep_probe (id int PRIMARY KEY, label text NOT NULL)`);
    await ds.query(`INSERT INTO prep_probe VALUES (1, 'one'), (2, 'two')`);
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  const READ = prepared('test_prep_probe_read', `SELECT * FROM prep_probe WHERE id = $1`);
  const RENAME = prepared('test_prep_probe_rename', `UPDATE prep_probe SET label = $2 WHERE id = $1`);

  it('runs under its name on the connection, once parsed', async () => {
    expect(await queryRows<{ id: number; label: string }>(ds.manager, READ, [1])).toEqual([{ id: 1, label: 'one' }]);
    expect(await affectedRows(ds.manager, RENAME, [2, 'deux'])).toBe(1);
    expect(await queryRows<{ label: string }>(ds.manager, READ, [2])).toEqual([{ id: 2, label: 'deux' }]);
    const names = await queryRows<{ name: string }>(ds.manager, `SELECT name FROM pg_prepared_statements ORDER BY name`);
    expect(names.map((n) => n.name)).toEqual(expect.arrayContaining(['test_prep_probe_read', 'test_prep_probe_rename']));
  });

  it('refuses one name for two texts', () => {
    expect(() => prepared('test_prep_probe_read', `SELECT id FROM prep_probe`)).toThrow(/defined twice/);
  });

  it('prepares afresh when the table changed shape, outside a transaction at once and inside on the retry', async () => {
    await ds.query(`ALTER TABLE prep_probe ADD COLUMN note text`);
    // Outside a transaction the statement is prepared again under a new name and answers.
    expect(await queryRows(ds.manager, READ, [1])).toEqual([{ id: 1, label: 'one', note: null }]);

    await ds.query(`ALTER TABLE prep_probe ADD COLUMN seen boolean NOT NULL DEFAULT false`);
    // Inside a transaction the refusal aborts it: it is reported as retryable, and the retry answers.
    const attempt = () => ds.transaction((em) => queryRows(em, READ, [2]));
    const failed = await attempt().then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed).not.toBeNull();
    expect(isRetryableConflict(failed)).toBe(true);
    expect(await attempt()).toEqual([{ id: 2, label: 'deux', note: null, seen: false }]);
  });
});
