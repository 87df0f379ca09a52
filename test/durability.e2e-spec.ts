import { ADMIN, bootApp, bootFixture, eventually, uid } from './helpers/app';
import { startWebhookReceiver } from './helpers/webhook-receiver';

describe('durability across restarts', () => {
  it('delivers a reply stored before the process stopped once it is back, and keeps everything', async () => {
    const hook = await startWebhookReceiver();
    // First life: no workers, so the reply is stored and its job enqueued, but never sent.
    const first = await bootApp({ RUN_WORKERS: 'false' });
    const admin = await first.login();
    const inbox = (await first.api('POST', '/inboxes', { token: admin, body: { name: `Durable ${uid()}`, channel: 'api', webhookUrl: hook.url } })).body;
    const inc = await first.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'hello?' } });
    const reply = await first.api('POST', `/conversations/${inc.body.conversationId}/messages`, { token: admin, body: { text: 'answer after restart' } });
    expect(reply.body.status).toBe('queued');
    await first.close();
    expect(hook.received).toHaveLength(0);

    const second = await bootApp({ DATABASE_URL: first.databaseUrl });
    try {
      const token = await second.login(ADMIN.email, ADMIN.password);
      const sent = await eventually(
        async () => {
          const msgs = await second.api('GET', `/conversations/${inc.body.conversationId}/messages`, { token });
          return msgs.body.items.find((m: { id: string; status: string }) => m.id === reply.body.id && m.status === 'sent');
        },
        20000,
        'the reply to be sent after restart',
      );
      expect(sent.text).toBe('answer after restart');
      expect(hook.received.map((h) => h.json.message.id)).toEqual([reply.body.id]);
      // The inbox token still works after the restart.
      const again = await second.api('POST', `/inboxes/${inbox.id}/incoming`, {
        token: inbox.token,
        body: { externalId: uid(), contact: { identifier: uid() }, text: 'still here' },
      });
      expect(again.status).toBe(201);
    } finally {
      await second.close();
      await hook.close();
    }
  });

  it('rolls back the message when its job cannot be enqueued (nothing half-written)', async () => {
    const { sut: app, admin, db } = await bootFixture();
    try {
      const inbox = (await app.api('POST', '/inboxes', { token: admin, body: { name: `Atomic ${uid()}`, channel: 'api' } })).body;
      const inc = await app.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'hi' } });
      // Make the job insert fail inside the reply's transaction.
      await db.query(`ALTER TABLE pgboss.job ADD CONSTRAINT ci_block_jobs CHECK (name <> 'outbound-sends') NOT VALID`);
      try {
        const reply = await app.api('POST', `/conversations/${inc.body.conversationId}/messages`, { token: admin, body: { text: 'never half-written' } });
        expect(reply.status).toBe(500);
      } finally {
        await db.query(`ALTER TABLE pgboss.job DROP CONSTRAINT ci_block_jobs`);
      }
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND direction = 'outbound'`, [inc.body.conversationId]);
      expect(rows[0].n).toBe(0);
    } finally {
      await app.close();
    }
  });
});
