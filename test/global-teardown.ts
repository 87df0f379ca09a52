export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as Record<string, unknown>).__TEST_DB__ as { drop(): Promise<void> } | undefined;
  if (db && !process.env.KEEP_TEST_DB) await db.drop();
}
