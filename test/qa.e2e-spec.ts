import { Client } from 'pg';
import { TestApp, bootFixture, uid } from './helpers/app';

/** Quality review end to end: scorecards with versions, the weekly queue, reviews and the agent's side. */
describe('QA scorecards and reviews', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let inbox: { id: string; token: string };
  let coordinator: string;
  const agents: Array<{ id: string; token: string }> = [];

  const user = async (role: string) => {
    const email = `${role}-${uid()}@example.com`;
    const u = (await sut.api('POST', '/users', { token: admin, body: { email, name: `${role} ${uid()}`, password: 'a-password-1', role, capacity: { api: 20 } } })).body;
    if (role === 'agent') await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: u.id } });
    return { id: u.id as string, token: await sut.login(email, 'a-password-1') };
  };

  /** A conversation of `agentId`, resolved at `resolvedAt` (known times make the weeks exact). */
  const resolvedConversation = async (agentId: string, resolvedAt: string) => {
    const { conversationId } = (
      await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'help' } })
    ).body;
    await db.query(`UPDATE conversations SET assignee_id = $2, status = 'resolved', resolved_at = $3 WHERE id = $1`, [conversationId, agentId, resolvedAt]);
    return conversationId as string;
  };

  const criteria = [
    { key: 'greeting', label: 'Greeting', weight: 1, scale: 'yes_no' },
    { key: 'accuracy', label: 'Accuracy', weight: 3, scale: '1-5' },
  ];

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture());
    inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `QA ${uid()}`, channel: 'api' } })).body;
    coordinator = (await user('coordinator')).token;
    agents.push(await user('agent'), await user('agent'));
  });

  afterAll(async () => {
    await sut?.close();
  });

  it('a coordinator reviews a conversation; the agent sees it, acknowledges and replies once; another agent gets 403', async () => {
    const card = await sut.api('POST', '/qa/scorecards', { token: coordinator, body: { name: `Support ${uid()}`, criteria } });
    expect(card.status).toBe(201);
    const [ana, ben] = agents as [{ id: string; token: string }, { id: string; token: string }];
    const conversationId = await resolvedConversation(ana.id, new Date().toISOString());
    const { body: messages } = await sut.api('GET', `/conversations/${conversationId}/messages`, { token: admin });
    const messageId = (messages.items ?? messages)[0].id;

    const review = await sut.api('POST', '/qa/reviews', {
      token: coordinator,
      body: {
        conversationId,
        scorecardId: card.body.id,
        summary: 'Good start',
        scores: [
          { key: 'greeting', score: 1 },
          { key: 'accuracy', score: 3, comment: 'Check the refund policy', messageId },
        ],
      },
    });
    expect(review.status).toBe(201);
    // (1×1 + 3×0.5) / 4
    expect(review.body).toMatchObject({ agentId: ana.id, scorecardVersion: 1, totalPercent: 62.5, acknowledgedAt: null, agentReply: null });
    expect(review.body.scores[1]).toEqual({ key: 'accuracy', score: 3, comment: 'Check the refund policy', messageId });
    expect(
      (
        await sut.api('POST', '/qa/reviews', {
          token: coordinator,
          body: {
            conversationId,
            scorecardId: card.body.id,
            scores: [
              { key: 'greeting', score: 1 },
              { key: 'accuracy', score: 3 },
            ],
          },
        })
      ).status,
    ).toBe(409);

    const mine = await sut.api('GET', '/qa/reviews/mine', { token: ana.token });
    expect(mine.body.map((r: any) => r.id)).toEqual([review.body.id]);
    expect((await sut.api('GET', `/qa/reviews/${review.body.id}`, { token: ana.token })).body.summary).toBe('Good start');
    const ack = await sut.api('POST', `/qa/reviews/${review.body.id}/acknowledge`, { token: ana.token });
    expect(ack.status).toBe(200);
    expect(ack.body.acknowledgedAt).not.toBeNull();
    expect((await sut.api('POST', `/qa/reviews/${review.body.id}/reply`, { token: ana.token, body: { text: 'Thanks, noted' } })).body.agentReply).toBe('Thanks, noted');
    expect((await sut.api('POST', `/qa/reviews/${review.body.id}/reply`, { token: ana.token, body: { text: 'Again' } })).status).toBe(409);

    // Another agent: neither this review, nor its acknowledgement, nor reviewing, nor the lists.
    expect((await sut.api('GET', `/qa/reviews/${review.body.id}`, { token: ben.token })).status).toBe(403);
    expect((await sut.api('POST', `/qa/reviews/${review.body.id}/acknowledge`, { token: ben.token })).status).toBe(403);
    expect((await sut.api('POST', `/qa/reviews/${review.body.id}/reply`, { token: ben.token, body: { text: 'me too' } })).status).toBe(403);
    expect((await sut.api('GET', `/qa/reviews?agentId=${ana.id}`, { token: ben.token })).status).toBe(403);
    expect((await sut.api('POST', '/qa/reviews', { token: ben.token, body: { conversationId, scorecardId: card.body.id, scores: [] } })).status).toBe(403);
    expect((await sut.api('GET', '/qa/reviews/mine', { token: ben.token })).body).toEqual([]);
    // The coordinator cannot answer for the agent.
    expect((await sut.api('POST', `/qa/reviews/${review.body.id}/acknowledge`, { token: coordinator })).status).toBe(403);

    // Trends and the report's QA average.
    const trends = (await sut.api('GET', '/qa/trends', { token: coordinator })).body;
    expect(trends.perAgent.find((a: any) => a.agentId === ana.id)).toMatchObject({ reviews: 1, averagePercent: 62.5 });
    expect(trends.perCriterion.find((c: any) => c.key === 'accuracy')).toMatchObject({ averagePercent: 50 });
    const kpis = (await sut.api('GET', `/reports/kpis?inboxId=${inbox.id}&from=${new Date(Date.now() - 86400_000).toISOString()}`, { token: coordinator })).body;
    expect(kpis.byAgent.find((a: any) => a.agentId === ana.id).qaAveragePercent).toBe(62.5);
  });

  it('editing a scorecard makes a new version; past reviews keep theirs', async () => {
    const card = (await sut.api('POST', '/qa/scorecards', { token: admin, body: { name: `Versioned ${uid()}`, criteria } })).body;
    const [ana] = agents;
    const first = await resolvedConversation(ana!.id, new Date().toISOString());
    const old = (
      await sut.api('POST', '/qa/reviews', {
        token: coordinator,
        body: {
          conversationId: first,
          scorecardId: card.id,
          scores: [
            { key: 'greeting', score: 0 },
            { key: 'accuracy', score: 5 },
          ],
        },
      })
    ).body;

    const edited = await sut.api('PATCH', `/qa/scorecards/${card.id}`, {
      token: coordinator,
      body: { criteria: [...criteria, { key: 'tone', label: 'Tone', weight: 2, scale: '0-2' }] },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2 });
    expect(edited.body.versions.map((v: any) => [v.version, v.criteria.length])).toEqual([
      [1, 2],
      [2, 3],
    ]);
    // Only the sample size: no new version.
    expect((await sut.api('PATCH', `/qa/scorecards/${card.id}`, { token: coordinator, body: { sampleSize: 3 } })).body).toMatchObject({ version: 2, sampleSize: 3 });

    const kept = (await sut.api('GET', `/qa/reviews/${old.id}`, { token: coordinator })).body;
    expect(kept).toMatchObject({ scorecardVersion: 1, totalPercent: 75 });
    expect(kept.criteria.map((c: any) => c.key)).toEqual(['greeting', 'accuracy']);
    // A new review must score the new criterion too.
    const second = await resolvedConversation(ana!.id, new Date().toISOString());
    const missing = await sut.api('POST', '/qa/reviews', {
      token: coordinator,
      body: {
        conversationId: second,
        scorecardId: card.id,
        scores: [
          { key: 'greeting', score: 1 },
          { key: 'accuracy', score: 5 },
        ],
      },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.details.fields.scores).toEqual(['tone: not scored']);
    const fresh = (
      await sut.api('POST', '/qa/reviews', {
        token: coordinator,
        body: {
          conversationId: second,
          scorecardId: card.id,
          scores: [
            { key: 'greeting', score: 1 },
            { key: 'accuracy', score: 5 },
            { key: 'tone', score: 2 },
          ],
        },
      })
    ).body;
    expect(fresh).toMatchObject({ scorecardVersion: 2, totalPercent: 100 });
    // Agents neither write nor edit scorecards.
    expect((await sut.api('PATCH', `/qa/scorecards/${card.id}`, { token: ana!.token, body: { sampleSize: 1 } })).status).toBe(403);
  });

  it('samples the same conversations per agent for a week on every call, plus the ones added by hand', async () => {
    const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Sampled ${uid()}` } })).body;
    await db.query(`UPDATE inboxes SET team_id = $2 WHERE id = $1`, [inbox.id, team.id]);
    const card = (await sut.api('POST', '/qa/scorecards', { token: coordinator, body: { name: `Weekly ${uid()}`, teamIds: [team.id], sampleSize: 2, criteria } })).body;
    const [ana, ben] = agents as [{ id: string; token: string }, { id: string; token: string }];
    const inWeek: string[] = [];
    for (const agent of [ana, ben]) for (let i = 0; i < 4; i++) inWeek.push(await resolvedConversation(agent.id, `2025-04-0${1 + i}T10:00:00Z`));
    await db.query(`UPDATE conversations SET team_id = $2 WHERE id = ANY($1::uuid[])`, [inWeek, team.id]);
    const nextWeek = await resolvedConversation(ana.id, '2025-04-08T10:00:00Z');
    await db.query(`UPDATE conversations SET team_id = $2 WHERE id = $1`, [nextWeek, team.id]);

    const q1 = await sut.api('GET', `/qa/queue?week=2025-W14&scorecardId=${card.id}`, { token: coordinator });
    expect(q1.status).toBe(200);
    expect(q1.body).toMatchObject({ week: '2025-W14', from: '2025-03-31T00:00:00.000Z', sampleSize: 2 });
    const perAgent = (items: any[], id: string) => items.filter((i) => i.agentId === id && i.source === 'sample').map((i) => i.conversationId);
    expect(perAgent(q1.body.items, ana.id)).toHaveLength(2);
    expect(perAgent(q1.body.items, ben.id)).toHaveLength(2);
    expect(q1.body.items.every((i: any) => inWeek.includes(i.conversationId))).toBe(true);
    const q2 = await sut.api('GET', `/qa/queue?week=2025-W14&scorecardId=${card.id}`, { token: admin });
    expect(q2.body.items.map((i: any) => i.conversationId)).toEqual(q1.body.items.map((i: any) => i.conversationId));

    // Added by hand: a conversation the sample left out.
    const left = inWeek.find((id) => !q1.body.items.some((i: any) => i.conversationId === id))!;
    expect((await sut.api('POST', '/qa/queue', { token: coordinator, body: { conversationId: left, week: '2025-W14' } })).status).toBe(201);
    const q3 = (await sut.api('GET', `/qa/queue?week=2025-W14&scorecardId=${card.id}`, { token: coordinator })).body;
    expect(q3.items.find((i: any) => i.conversationId === left)).toMatchObject({ source: 'manual' });
    expect(q3.items).toHaveLength(5);

    const q4 = (await sut.api('GET', `/qa/queue?week=2025-W15&scorecardId=${card.id}`, { token: coordinator })).body;
    expect(q4.items.map((i: any) => i.conversationId)).toEqual([nextWeek]);
    expect((await sut.api('GET', '/qa/queue?week=2025-15', { token: coordinator })).status).toBe(400);
    expect((await sut.api('GET', '/qa/queue?week=2025-W14', { token: ana.token })).status).toBe(403);
  });
});
