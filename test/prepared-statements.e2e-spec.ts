import { DataSource } from 'typeorm';
import { AutoPreparingClient, affectedRows, isRetryableConflict, prepared, queryRows, usePreparedStatements } from '@inbox/core';
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

  describe('the application pool: repeated statements prepared by themselves', () => {
    let auto: DataSource;
    const names = async () => (await auto.query(`SELECT name, statement FROM pg_prepared_statements ORDER BY prepare_time`)) as Array<{ name: string; statement: string }>;

    beforeAll(async () => {
      // One connection, so every statement below meets the same session.
      auto = new DataSource({ type: 'postgres', url: await createTestDatabase(), extra: { max: 1, Client: AutoPreparingClient } });
      await auto.initialize();
      await auto.query(`CREATE TABLE auto_probe (id int PRIMARY KEY, label text NOT NULL)`);
      await auto.query(`INSERT INTO auto_probe VALUES (1, 'one'), (2, 'two')`);
    });

    afterAll(async () => {
      usePreparedStatements(true);
      await auto?.destroy();
    });

    it('prepares a statement with parameters the second time it is sent, and answers the same', async () => {
      const text = `SELECT label FROM auto_probe WHERE id = $1`;
      expect(await auto.query(text, [1])).toEqual([{ label: 'one' }]);
      expect((await names()).filter((n) => n.statement === text)).toEqual([]);
      expect(await auto.query(text, [2])).toEqual([{ label: 'two' }]);
      expect(await auto.query(text, [1])).toEqual([{ label: 'one' }]);
      expect((await names()).filter((n) => n.statement === text)).toEqual([{ name: expect.stringMatching(/^auto_/), statement: text }]);
    });

    it('leaves a result of all columns, and a statement without parameters, as text', async () => {
      const all = `SELECT * FROM auto_probe WHERE id = $1`;
      const bare = `SELECT label FROM auto_probe WHERE id = 2`;
      for (let i = 0; i < 3; i++) {
        await auto.query(all, [1]);
        await auto.query(bare);
      }
      expect((await names()).filter((n) => n.statement === all || n.statement === bare)).toEqual([]);
    });

    it('prepares afresh when a column changed type under the plan, outside a transaction at once and inside on the retry', async () => {
      const text = `SELECT label FROM auto_probe WHERE id = $1`;
      for (let i = 0; i < 2; i++) await auto.query(text, [1]);
      expect((await names()).some((n) => n.statement === text)).toBe(true);
      await auto.query(`ALTER TABLE auto_probe ALTER COLUMN label TYPE varchar(50)`);
      expect(await auto.query(text, [1])).toEqual([{ label: 'one' }]);

      for (let i = 0; i < 2; i++) await auto.query(text, [2]);
      await auto.query(`ALTER TABLE auto_probe ALTER COLUMN label TYPE text`);
      const attempt = () => auto.transaction((em) => em.query(text, [2]));
      const failed = await attempt().then(
        () => null,
        (err: unknown) => err,
      );
      expect(isRetryableConflict(failed)).toBe(true);
      expect(await attempt()).toEqual([{ label: 'two' }]);
    });

    it('prepares nothing with DATABASE_PREPARED_STATEMENTS=false', async () => {
      usePreparedStatements(false);
      const text = `SELECT id FROM auto_probe WHERE label = $1`;
      for (let i = 0; i < 3; i++) expect(await auto.query(text, ['two'])).toEqual([{ id: 2 }]);
      expect((await names()).filter((n) => n.statement === text)).toEqual([]);
    });
  });
});
