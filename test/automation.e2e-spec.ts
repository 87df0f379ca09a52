import { ServerResponse, createServer } from 'node:http';
import { Client } from 'pg';
import { TestApp, bootApp, eventually, uid } from './helpers/app';
import { startWebhookReceiver } from './helpers/webhook-receiver';

/** Automation rules against the real server: in the message's transaction, once per event, never looping. */
describe('automation rules', () => {
  let sut: TestApp;
  let admin: string;

  beforeAll(async () => {
    sut = await bootApp();
    admin = await sut.login();
  });

  afterAll(async () => {
    await sut?.close();
  });

  const team = async (name = `Team ${uid()}`) => (await sut.api('POST', '/teams', { token: admin, body: { name } })).body as { id: string; name: string };
  const inbox = async (teamId: string) =>
    (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api', teamId } })).body as { id: string; token: string };
  const ingest = async (ib: { id: string; token: string }, text: string, identifier = `c-${uid()}`) => {
    const res = await sut.api('POST', `/inboxes/${ib.id}/incoming`, { token: ib.token, body: { externalId: uid(), contact: { identifier }, text } });
    expect(res.status).toBe(201);
    return res.body.conversationId as string;
  };
  const conversation = async (id: string) => (await sut.api('GET', `/conversations/${id}`, { token: admin })).body;
  const ruleLines = async (id: string) =>
    ((await sut.api('GET', `/conversations/${id}/messages`, { token: admin })).body.items as Array<{ kind: string; metadata: any }>)
      .filter((m) => m.kind === 'activity' && m.metadata?.rule)
      .map((m) => m.metadata.activity.code as string)
      // Lines written in one transaction share a timestamp: compare them as a set.
      .sort();

  it('shows validation errors by field', async () => {
    const res = await sut.api('POST', '/automation-rules', {
      token: admin,
      body: { name: 'x', event: 'message.created', conditions: [{ field: 'message_text', operator: 'matches', value: '(' }], actions: [{ type: 'set_team', teamId: 'billing' }] },
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.details.fields).sort()).toEqual(['actions.0.teamId', 'conditions.0.value']);
  });

  it('"text contains refund → label refund, team Billing, priority high" applies once, in French and in English, and its changes trigger no rule', async () => {
    const support = await team();
    const billing = await team(`Billing ${uid()}`);
    const ib = await inbox(support.id);
    const refund = await sut.api('POST', '/automation-rules', {
      token: admin,
      body: {
        name: `Refunds ${uid()}`,
        event: 'message.created',
        conditions: [
          { field: 'inbox', operator: 'equals', value: ib.id },
          { field: 'message_text', operator: 'contains', value: ['refund', 'remboursement', 'rimborso', 'reembolso', 'повернення'] },
        ],
        actions: [
          { type: 'add_label', label: 'refund' },
          { type: 'set_team', teamId: billing.id },
          { type: 'set_priority', priority: 2 },
        ],
      },
    });
    expect(refund.status).toBe(201);
    // Would fire on the refund rule's own change if rules re-triggered rules.
    const loop = await sut.api('POST', '/automation-rules', {
      token: admin,
      body: {
        name: `Loop ${uid()}`,
        event: 'conversation.updated',
        conditions: [{ field: 'labels', operator: 'in', value: ['refund'] }],
        actions: [{ type: 'add_note', text: 'looped' }],
      },
    });
    expect(loop.status).toBe(201);

    const fr = await ingest(ib, 'Bonjour, je voudrais un REMBOURSEMENT de ma commande');
    const en = await ingest(ib, 'Hi, I would like a refund please');
    const other = await ingest(ib, 'Where is my parcel?');
    for (const id of [fr, en]) {
      expect(await conversation(id)).toMatchObject({ labels: ['refund'], teamId: billing.id, priority: 2 });
      expect(await ruleLines(id)).toEqual(['rule_add_label', 'rule_set_priority', 'rule_set_team']);
    }
    expect(await conversation(other)).toMatchObject({ labels: [], teamId: support.id, priority: 1 });

    // Once per event: the same message delivered again, and a second message, do not re-apply it.
    const identifier = `c-${uid()}`;
    const externalId = uid();
    const first = await sut.api('POST', `/inboxes/${ib.id}/incoming`, { token: ib.token, body: { externalId, contact: { identifier }, text: 'refund?' } });
    const again = await sut.api('POST', `/inboxes/${ib.id}/incoming`, { token: ib.token, body: { externalId, contact: { identifier }, text: 'refund?' } });
    expect(again.body.conversationId).toBe(first.body.conversationId);
    await ingest(ib, 'refund, still', identifier);
    expect(await ruleLines(first.body.conversationId)).toEqual(['rule_add_label', 'rule_set_priority', 'rule_set_team']);

    // A human's change does trigger conversation.updated rules (so the loop rule works, just not on rules' changes).
    await sut.api('PATCH', `/conversations/${fr}`, { token: admin, body: { priority: 3 } });
    expect(await ruleLines(fr)).toEqual(['rule_add_label', 'rule_add_note', 'rule_set_priority', 'rule_set_team']);
  });

  it('answers with a canned response (variables filled in) on creation, and reacts to an SLA breach', async () => {
    const t = await team();
    const ib = await inbox(t.id);
    expect((await sut.api('POST', '/sla-policies', { token: admin, body: { name: `Fast ${uid()}`, firstResponseSeconds: 1, appliesTo: { inboxIds: [ib.id] } } })).status).toBe(201);
    const canned = await sut.api('POST', '/canned-responses', { token: admin, body: { shortcut: `ack${uid()}`, title: 'Ack', text: 'Hello {{contact.name}}, we are on it' } });
    expect(canned.status).toBe(201);
    const onInbox = [{ field: 'inbox', operator: 'equals', value: ib.id }];
    for (const body of [
      { name: `Ack ${uid()}`, event: 'conversation.created', conditions: onInbox, actions: [{ type: 'send_canned_response', cannedResponseId: canned.body.id }] },
      {
        name: `Late ${uid()}`,
        event: 'sla.breached',
        conditions: onInbox,
        actions: [
          { type: 'set_priority', priority: 3 },
          { type: 'add_label', label: 'late' },
        ],
      },
    ]) {
      expect((await sut.api('POST', '/automation-rules', { token: admin, body })).status).toBe(201);
    }
    const res = await sut.api('POST', `/inboxes/${ib.id}/incoming`, {
      token: ib.token,
      body: { externalId: uid(), contact: { identifier: `c-${uid()}`, name: 'Jean' }, text: 'hello' },
    });
    const id = res.body.conversationId as string;
    const items = (await sut.api('GET', `/conversations/${id}/messages`, { token: admin })).body.items as Array<{
      kind: string;
      direction: string;
      authorType: string;
      text: string;
    }>;
    expect(items.filter((m) => m.kind === 'message' && m.direction === 'outbound').map((m) => [m.authorType, m.text])).toEqual([['system', 'Hello Jean, we are on it']]);
    // The automatic answer is no first response: the SLA still breaches, and the sla.breached rule runs once.
    const late = await eventually(
      async () => {
        const c = await conversation(id);
        return c.priority === 3 && c;
      },
      15000,
      'the sla.breached rule',
    );
    expect(late).toMatchObject({ labels: ['late'], sla: { state: 'breached' } });
    expect(await ruleLines(id)).toEqual(['rule_add_label', 'rule_send_canned_response', 'rule_set_priority']);
  });

  it('a rule created, changed or deleted while messages flow applies from the next message (rules are cached per settings version)', async () => {
    const t = await team();
    const ib = await inbox(t.id);
    // Messages before the rule: ingest has read (and cached) the rules as they were.
    expect((await conversation(await ingest(ib, 'first'))).labels).toEqual([]);
    const rule = await sut.api('POST', '/automation-rules', {
      token: admin,
      body: {
        name: `Cache ${uid()}`,
        event: 'conversation.created',
        conditions: [{ field: 'inbox', operator: 'equals', value: ib.id }],
        actions: [{ type: 'add_label', label: 'v1' }],
      },
    });
    expect(rule.status).toBe(201);
    expect((await conversation(await ingest(ib, 'second'))).labels).toEqual(['v1']);
    const changed = await sut.api('PATCH', `/automation-rules/${rule.body.id}`, { token: admin, body: { actions: [{ type: 'add_label', label: 'v2' }] } });
    expect(changed.status).toBe(200);
    expect((await conversation(await ingest(ib, 'third'))).labels).toEqual(['v2']);
    expect((await sut.api('DELETE', `/automation-rules/${rule.body.id}`, { token: admin })).status).toBeLessThan(300);
    expect((await conversation(await ingest(ib, 'fourth'))).labels).toEqual([]);
  });

  it('a failing webhook action does not fail the customer message; a disabled rule does nothing', async () => {
    const t = await team();
    const ib = await inbox(t.id);
    const receiver = await startWebhookReceiver();
    try {
      const hook = await sut.api('POST', '/automation-rules', {
        token: admin,
        body: {
          name: `Hook ${uid()}`,
          event: 'conversation.created',
          conditions: [{ field: 'inbox', operator: 'equals', value: ib.id }],
          actions: [
            { type: 'send_webhook', url: receiver.url },
            { type: 'add_label', label: 'hooked' },
          ],
        },
      });
      expect(hook.status).toBe(201);
      const broken = await sut.api('POST', '/automation-rules', {
        token: admin,
        body: {
          name: `Broken ${uid()}`,
          event: 'conversation.created',
          conditions: [{ field: 'inbox', operator: 'equals', value: ib.id }],
          actions: [{ type: 'send_webhook', url: 'http://127.0.0.1:1/nothing-listens-here' }],
        },
      });
      expect(broken.status).toBe(201);
      const id = await ingest(ib, 'hello');
      expect((await conversation(id)).labels).toEqual(['hooked']);
      const delivered = await eventually(async () => receiver.received.find((r) => r.json?.conversation?.id === id), 15000, 'webhook delivered');
      expect(delivered.json.rule.id).toBe(hook.body.id);

      expect((await sut.api('PATCH', `/automation-rules/${hook.body.id}`, { token: admin, body: { enabled: false } })).body.enabled).toBe(false);
      const later = await ingest(ib, 'hello again');
      expect((await conversation(later)).labels).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("sends a conversation's rule webhooks one at a time, in the order its rules ran", async () => {
    const t = await team();
    const ib = await inbox(t.id);
    // A receiver that holds the first POST until told, and answers the rest at once.
    const got: string[] = [];
    let held: ServerResponse | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        got.push(body.conversation.id);
        if (!held) held = res;
        else res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const db = new Client({ connectionString: sut.databaseUrl });
    await db.connect();
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/rules`;
      const rule = await sut.api('POST', '/automation-rules', {
        token: admin,
        body: {
          name: `Each message ${uid()}`,
          event: 'message.created',
          conditions: [{ field: 'inbox', operator: 'equals', value: ib.id }],
          actions: [{ type: 'send_webhook', url }],
        },
      });
      expect(rule.status).toBe(201);
      const customer = `c-${uid()}`;
      const id = await ingest(ib, 'first', customer);
      await eventually(async () => held !== null, 15000, 'the first webhook in flight');
      await ingest(ib, 'second', customer);
      // Another conversation's webhook, filed after, goes out while the first is held; this conversation's second waits.
      const other = await ingest(ib, 'elsewhere');
      await eventually(async () => got.length === 2, 15000, "the other conversation's webhook");
      const jobs = (
        await db.query(
          `SELECT data->'body'->'conversation'->>'id' AS id, state FROM pgboss.job WHERE name = 'automation-webhooks' AND data->'body'->'conversation'->>'id' = ANY($1) ORDER BY created_on`,
          [[id, other]],
        )
      ).rows;
      expect(jobs.filter((j) => j.id === id).map((j) => j.state)).toEqual(['active', 'created']);
      held!.end('ok');
      await eventually(async () => got.length === 3, 15000, 'the second webhook');
      expect(got).toEqual([id, other, id]);
    } finally {
      await db.end();
      server.closeAllConnections();
      server.close();
    }
  });
});
