import { Client } from 'pg';
import { TestApp, bootFixture, uid } from './helpers/app';

/**
 * GET /conversations?sort=…&sla=…: each order pages by its own key. Walking every page at
 * several page sizes must give exactly the whole order, once per row: ties (same time to the
 * microsecond) fall back to the id, nulls sort last, a paused SLA has no due time.
 */
describe('conversation list: server-side sort and SLA filter', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let inboxId: string;
  const ids: Record<string, string> = {};

  const T = (hms: string) => `2026-01-01T10:${hms}Z`;
  // name: last message, waiting since, priority, SLA state, due, paused
  const rows: Array<[string, string, string | null, number, string | null, string | null, boolean]> = [
    ['A', T('06:00'), T('01:00'), 1, 'breached', T('00:00'), false],
    ['B', T('05:00.000100'), null, 3, 'ok', T('30:00'), false],
    ['C', T('05:00.000100'), T('01:00'), 1, 'warning', T('10:00'), false],
    ['D', T('04:00'), T('00:00'), 0, null, null, false],
    ['E', T('03:00'), null, 3, 'ok', T('20:00'), true],
    ['F', T('02:00'), T('02:00'), 3, 'met', null, false],
    ['G', T('01:00'), T('00:00.000500'), 2, null, null, false],
  ];

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture());
    const inbox = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Sorted ${uid()}`, channel: 'api' } });
    expect(inbox.status).toBe(201);
    inboxId = inbox.body.id;
    for (const [name, last, waiting, priority, state, due, paused] of rows) {
      const res = await sut.api('POST', `/inboxes/${inboxId}/incoming`, {
        token: inbox.body.token,
        body: { externalId: uid(), contact: { identifier: `c-${uid()}`, name }, text: name },
      });
      expect(res.status).toBe(201);
      ids[name] = res.body.conversationId;
      const sla = state
        ? JSON.stringify({ policyId: '00000000-0000-4000-8000-000000000000', policyName: 'Test', pausedAt: paused ? Date.parse(T('00:00')) : null, clocks: [], breaches: [] })
        : null;
      // The sort keys are set to chosen values (with microseconds) so every order and tie is known in advance.
      await db.query(`UPDATE conversations SET last_message_at = $2, waiting_since = $3, priority = $4, sla = $5::jsonb, sla_state = $6, sla_due_at = $7 WHERE id = $1`, [
        ids[name],
        last,
        waiting,
        priority,
        sla,
        state,
        due,
      ]);
    }
  });

  afterAll(async () => {
    await sut?.close();
  });

  const nameOf = (id: string) => Object.keys(ids).find((k) => ids[k] === id) ?? id;
  /** B and C tie on every key but the id: the larger id comes first. */
  const tie = () => (ids.B > ids.C ? ['B', 'C'] : ['C', 'B']);

  async function walk(query: string, limit: number): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const res = await sut.api('GET', `/conversations?inboxId=${inboxId}&limit=${limit}&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: admin });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((c: { id: string }) => nameOf(c.id)));
      cursor = res.body.nextCursor;
      if (!cursor) return seen;
    }
    throw new Error('pagination did not end');
  }

  const orders: Array<[string, string, () => string[]]> = [
    ['newest', 'sort=newest', () => ['A', ...tie(), 'D', 'E', 'F', 'G']],
    ['no sort (newest)', '', () => ['A', ...tie(), 'D', 'E', 'F', 'G']],
    ['oldest waiting', 'sort=oldest_waiting', () => ['D', 'G', 'A', 'C', 'F', 'B', 'E']],
    ['priority', 'sort=priority', () => ['F', 'B', 'E', 'G', 'A', 'C', 'D']],
    ['SLA due', 'sort=sla_due', () => ['A', 'C', 'B', 'D', 'E', 'F', 'G']],
  ];

  describe.each(orders)('%s', (_title, query, expected) => {
    it.each([1, 2, 3, 50])('walks every page of %i in order, each row once', async (limit) => {
      expect(await walk(query, limit)).toEqual(expected());
    });
  });

  it.each<[string, string[]]>([
    ['sla=breached', ['A']],
    ['sla=warning', ['C']],
    ['sla=ok', ['B', 'E']],
    ['sla=none', ['D', 'G']],
    ['sla=breached,ok&sort=sla_due', ['A', 'B', 'E']],
    ['sla=warning,none&sort=oldest_waiting', ['D', 'G', 'C']],
  ])('filters by SLA state with the cursor: %s', async (query, expected) => {
    expect(await walk(query, 1)).toEqual(expected);
  });

  it('answers 400 naming sort, sla and cursor for what it cannot use', async () => {
    const get = (q: string) => sut.api('GET', `/conversations?inboxId=${inboxId}&${q}`, { token: admin });
    const badSort = await get('sort=random');
    expect(badSort.status).toBe(400);
    expect(JSON.stringify(badSort.body)).toContain('sort');
    const badSla = await get('sla=late');
    expect(badSla.status).toBe(400);
    expect(JSON.stringify(badSla.body)).toContain('sla');

    const first = await get('sort=priority&limit=2');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const otherOrder = await get(`sort=sla_due&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(otherOrder.status).toBe(400);
    expect(otherOrder.body.details.fields.cursor).toBeDefined();
    const forged = Buffer.from(JSON.stringify({ sort: 'priority', lastMessageAt: T('00:00'), id: ids.A, priority: '9', waiting: '', due: '' })).toString('base64url');
    expect((await get(`sort=priority&cursor=${forged}`)).status).toBe(400);
  });
});
