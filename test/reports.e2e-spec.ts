import { Client } from 'pg';
import { TestApp, bootFixture, uid } from './helpers/app';
import { parseCsv } from '../apps/server/src/reports/csv.util';

describe('KPI report', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture());
  });

  afterAll(async () => {
    await sut?.close();
  });

  it('reports volumes, first response and resolution percentiles, SLA breaches and resolution rate', async () => {
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `KPI ${uid()}`, channel: 'api' } })).body;
    const open = async () =>
      (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'help' } })).body
        .conversationId as string;
    const [a, b, c] = [await open(), await open(), await open()];
    // Known timestamps make the expected figures exact.
    await db.query(
      `UPDATE conversations SET created_at = now() - interval '2 hours', first_response_at = now() - interval '2 hours' + interval '60 seconds', resolved_at = now() - interval '2 hours' + interval '600 seconds', status = 'resolved' WHERE id = $1`,
      [a],
    );
    await db.query(`UPDATE conversations SET created_at = now() - interval '1 hour', first_response_at = now() - interval '1 hour' + interval '120 seconds' WHERE id = $1`, [b]);
    await db.query(`UPDATE conversations SET created_at = now() - interval '30 minutes' WHERE id = $1`, [c]);

    const res = await sut.api('GET', `/reports/kpis?inboxId=${inbox.id}&firstResponseTargetSeconds=900`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      conversations: { created: 3, resolved: 1, unresolved: 2, answered: 2 },
      firstResponseSeconds: { p50: 90, p90: 114 },
      resolutionSeconds: { p50: 600, p90: 600 },
      slaBreaches: 1,
      csat: { responses: 0, average: null, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } },
      byChannel: [{ channel: 'api', created: 3, resolved: 1 }],
    });
    expect(res.body.resolutionRate).toBeCloseTo(1 / 3, 5);
  });

  it('is for coordinators and admins, and validates the period', async () => {
    const email = `agent-${uid()}@example.com`;
    await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ag', password: 'agent-password', role: 'agent' } });
    expect((await sut.api('GET', '/reports/kpis', { token: await sut.login(email, 'agent-password') })).status).toBe(403);
    expect((await sut.api('GET', '/reports/kpis?from=2026-12-01&to=2026-11-01', { token: admin })).status).toBe(400);
    expect((await sut.api('GET', '/reports/kpis?from=yesterday', { token: admin })).status).toBe(400);
  });

  describe('teams, satisfaction, series and CSV', () => {
    it('breaks down by team with CSAT, series per local day, and CSV that parses back to the JSON numbers', async () => {
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Billing, "EU" ${uid()}` } })).body;
      const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Series ${uid()}`, channel: 'api', teamId: team.id } })).body;
      const open = async (text: string) =>
        (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid(), name: 'Олена, «Київ»' }, text } }))
          .body.conversationId as string;
      const [a, b, c] = [await open('one'), await open('two'), await open('three')];
      // Two on 29 March 2026 (Paris), one on the 30th: 22:30 UTC on the 29th is already the 30th in Paris.
      await db.query(
        `UPDATE conversations SET team_id = $2, subject = 'Line 1
Line 2, "quoted"', created_at = '2026-03-29T08:00:00Z', first_response_at = '2026-03-29T08:01:00Z', resolved_at = '2026-03-29T08:10:00Z', status = 'resolved' WHERE id = $1`,
        [a, team.id],
      );
      await db.query(`UPDATE conversations SET team_id = $2, created_at = '2026-03-29T09:00:00Z', first_response_at = '2026-03-29T09:03:00Z' WHERE id = $1`, [b, team.id]);
      await db.query(
        `UPDATE conversations SET team_id = $2, created_at = '2026-03-29T22:30:00Z', first_response_at = '2026-03-29T22:35:00Z', resolved_at = '2026-03-29T23:30:00Z', status = 'resolved' WHERE id = $1`,
        [c, team.id],
      );
      for (const [id, rating] of [
        [a, 5],
        [c, 2],
      ] as const) {
        const survey = (
          await db.query(
            `INSERT INTO csat_surveys (conversation_id, inbox_id, contact_id, channel, locale, scale, question, status, sent_at, expires_at)
          SELECT id, inbox_id, contact_id, channel, 'en', 'stars', 'Q?', 'sent', now(), now() + interval '7 days' FROM conversations WHERE id = $1 RETURNING id`,
            [id],
          )
        ).rows[0].id;
        await db.query(`INSERT INTO csat_responses (survey_id, conversation_id, inbox_id, team_id, channel, scale, rating) VALUES ($1, $2, $3, $4, 'api', 'stars', $5)`, [
          survey,
          id,
          inbox.id,
          team.id,
          rating,
        ]);
      }
      const qs = `from=2026-03-28T23:00:00Z&to=2026-03-31T22:00:00Z&inboxId=${inbox.id}&interval=day&tz=Europe/Paris`;
      const json = (await sut.api('GET', `/reports/kpis?${qs}`, { token: admin })).body;
      expect(json.csat).toMatchObject({ responses: 2, surveysSent: 2, responseRate: 1, average: 3.5, satisfiedRate: 0.5, distribution: { 1: 0, 2: 1, 3: 0, 4: 0, 5: 1 } });
      expect(json.byTeam).toEqual([expect.objectContaining({ teamId: team.id, created: 3, resolved: 2, firstResponseSecondsP50: 180, csatAverage: 3.5, csatResponses: 2 })]);
      expect(json.series.points.map((p: any) => [p.start, p.created, p.firstResponseSecondsP50, p.csatAverage])).toEqual([
        ['2026-03-28T23:00:00.000Z', 2, 120, 5],
        ['2026-03-29T22:00:00.000Z', 1, 300, 2],
        ['2026-03-30T22:00:00.000Z', 0, null, null],
      ]);

      // CSV: BOM, quoting, and the same numbers as the JSON.
      const csvOf = async (path: string, headers: Record<string, string> = {}) => {
        const res = await fetch(`${sut.url}/api/v1${path}`, { headers: { authorization: `Bearer ${admin}`, ...headers } });
        const bytes = Buffer.from(await res.arrayBuffer());
        return { status: res.status, type: res.headers.get('content-type'), bytes, rows: parseCsv(bytes.toString('utf8')) };
      };
      const teams = await csvOf(`/reports/kpis?${qs}&table=teams`, { accept: 'text/csv' });
      expect(teams.status).toBe(200);
      expect(teams.type).toContain('text/csv');
      expect(teams.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const [header, row] = teams.rows;
      const cell = (name: string) => row![header!.indexOf(name)];
      expect(cell('name')).toBe(team.name);
      expect(Number(cell('created'))).toBe(json.byTeam[0].created);
      expect(Number(cell('csat_average'))).toBe(json.byTeam[0].csatAverage);
      expect(Number(cell('resolution_rate'))).toBeCloseTo(json.byTeam[0].resolutionRate, 4);
      const summary = await csvOf(`/reports/kpis?${qs}&format=csv`);
      const metric = (k: string) => summary.rows.find((r) => r[0] === k)![1];
      expect(Number(metric('created'))).toBe(json.conversations.created);
      expect(Number(metric('first_response_seconds_p90'))).toBe(json.firstResponseSeconds.p90);
      expect(Number(metric('csat_average'))).toBe(3.5);
      const series = await csvOf(`/reports/kpis?${qs}&format=csv&table=series`);
      expect(series.rows.slice(1).map((r) => [r[0], Number(r[1])])).toEqual(json.series.points.map((p: any) => [p.start, p.created]));

      // Per conversation: one row each, with newlines and quotes intact, streamed.
      const convs = await csvOf(`/reports/conversations?${qs}&format=csv`);
      expect(convs.rows[0]![0]).toBe('conversation_id');
      const byId = new Map(convs.rows.slice(1).map((r) => [r[0], r]));
      expect(byId.size).toBe(3);
      const h = convs.rows[0]!;
      expect(byId.get(a)![h.indexOf('subject')]).toBe('Line 1\nLine 2, "quoted"');
      expect(byId.get(a)![h.indexOf('contact')]).toBe('Олена, «Київ»');
      expect(byId.get(a)![h.indexOf('created_at')]).toBe('2026-03-29T08:00:00.000Z');
      expect(byId.get(c)![h.indexOf('csat_rating')]).toBe('2');
      expect(byId.get(b)![h.indexOf('csat_rating')]).toBe('');

      // Drill-down: the low rating behind the number.
      const low = (await sut.api('GET', `/reports/conversations?${qs}&metric=csat_low`, { token: admin })).body;
      expect(low.items.map((i: any) => i.id)).toEqual([c]);
      const page1 = (await sut.api('GET', `/reports/conversations?${qs}&limit=2`, { token: admin })).body;
      const page2 = (await sut.api('GET', `/reports/conversations?${qs}&limit=2&cursor=${page1.nextCursor}`, { token: admin })).body;
      expect([...page1.items, ...page2.items].map((i: any) => i.id)).toEqual([a, b, c]);
      expect(page2.nextCursor).toBeNull();
    });

    it('refuses exports and drill-downs to agents, and an unknown time zone', async () => {
      const email = `agent-${uid()}@example.com`;
      await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ag', password: 'agent-password', role: 'agent' } });
      const agent = await sut.login(email, 'agent-password');
      expect((await sut.api('GET', '/reports/conversations?format=csv', { token: agent })).status).toBe(403);
      expect((await sut.api('GET', '/reports/kpis?interval=day&tz=Mars/Olympus', { token: admin })).status).toBe(400);
    });
  });
});
