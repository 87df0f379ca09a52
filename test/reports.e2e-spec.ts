import { Client } from 'pg';
import { TestApp, bootApp, uid } from './helpers/app';

describe('KPI report', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;

  beforeAll(async () => {
    sut = await bootApp();
    admin = await sut.login();
    db = new Client({ connectionString: sut.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await sut?.close();
  });

  it('reports volumes, first response and resolution percentiles, SLA breaches and resolution rate', async () => {
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `KPI ${uid()}`, channel: 'api' } })).body;
    const open = async () => (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'help' } })).body.conversationId as string;
    const [a, b, c] = [await open(), await open(), await open()];
    // Known timestamps make the expected figures exact.
    await db.query(`UPDATE conversations SET created_at = now() - interval '2 hours', first_response_at = now() - interval '2 hours' + interval '60 seconds', resolved_at = now() - interval '2 hours' + interval '600 seconds', status = 'resolved' WHERE id = $1`, [a]);
    await db.query(`UPDATE conversations SET created_at = now() - interval '1 hour', first_response_at = now() - interval '1 hour' + interval '120 seconds' WHERE id = $1`, [b]);
    await db.query(`UPDATE conversations SET created_at = now() - interval '30 minutes' WHERE id = $1`, [c]);

    const res = await sut.api('GET', `/reports/kpis?inboxId=${inbox.id}&firstResponseTargetSeconds=900`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      conversations: { created: 3, resolved: 1, unresolved: 2, answered: 2 },
      firstResponseSeconds: { p50: 90, p90: 114 },
      resolutionSeconds: { p50: 600, p90: 600 },
      slaBreaches: 1,
      csat: null,
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
});
