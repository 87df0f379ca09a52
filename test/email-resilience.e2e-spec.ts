import { Client } from 'pg';
import { TestApp, bootApp, eventually } from './helpers/app';
import { startDovecot, TestDovecot } from './helpers/dovecot';
import { startSmtpSink, SmtpSink } from './helpers/smtp-sink';
import { buildMail } from './helpers/mail-factory';

describe('email channel: dropped connections, UIDVALIDITY resets, replica takeover', () => {
  let sut: TestApp;
  let second: TestApp | null = null;
  let admin: string;
  let dovecot: TestDovecot;
  let sink: SmtpSink;
  let db: Client;

  beforeAll(async () => {
    [dovecot, sink] = await Promise.all([startDovecot({ support: 'support-pass', archive: 'archive-pass', shared: 'shared-pass' }), startSmtpSink()]);
    sut = await bootApp();
    admin = await sut.login();
    db = new Client({ connectionString: sut.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await second?.close();
    await sut?.close();
    await Promise.all([dovecot?.close(), sink?.close()]);
  });

  const createInbox = async (user: string, mailbox?: string, app = sut, token = admin) => {
    const res = await app.api('POST', '/inboxes', {
      token,
      body: { name: `Mail ${user}`, channel: 'email', address: `${user}@acme.test`, imap: dovecot.imapSettings(user, mailbox), smtp: sink.smtpSettings() },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const count = async (inboxId: string, externalId: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inboxId, externalId])).rows[0].n as number;
  const arrived = (inboxId: string, externalId: string, timeoutMs = 20000) => eventually(async () => (await count(inboxId, externalId)) > 0, timeoutMs, `mail ${externalId}`);
  /** Until the watcher's status (GET /inboxes/:id/email-status) says it has no IMAP session. */
  const disconnected = (inboxId: string, what: string) =>
    eventually(async () => (await sut.api('GET', `/inboxes/${inboxId}/email-status`, { token: admin })).body.watcher.connected === false, 15000, what);

  it('gets mails delivered while Dovecot was down exactly once after it restarts', async () => {
    const inboxId = await createInbox('support');
    const first = buildMail({ subject: 'before the outage' });
    await dovecot.append('support', [first.raw]);
    await arrived(inboxId, first.messageId!);

    await dovecot.stop();
    await disconnected(inboxId, 'the watcher to notice the drop');
    const during = [buildMail({ subject: 'during 1' }), buildMail({ subject: 'during 2' }), buildMail({ subject: 'during 3' })];
    for (const m of during) dovecot.deliverToMaildir('support', m.raw);
    await dovecot.start();

    for (const m of during) await arrived(inboxId, m.messageId!);
    // IDLE works again on the new connection.
    const after = buildMail({ subject: 'after the outage' });
    await dovecot.append('support', [after.raw]);
    await arrived(inboxId, after.messageId!);
    for (const m of [first, ...during, after]) expect(await count(inboxId, m.messageId!)).toBe(1);
    expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1`, [inboxId])).rows[0].n).toBe(5);
    const status = await sut.api('GET', `/inboxes/${inboxId}/email-status`, { token: admin });
    expect(status.body).toMatchObject({ mailbox: 'INBOX', lastUid: 5, watcher: { watchedHere: true, connected: true } });
    expect(status.body.watcher.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('re-syncs after a UIDVALIDITY change without duplicating anything', async () => {
    const imap = await dovecot.client('archive');
    await imap.mailboxCreate('Support');
    await imap.logout();
    const inboxId = await createInbox('archive', 'Support');
    const old = [buildMail({ subject: 'old 1' }), buildMail({ subject: 'old 2' })];
    await dovecot.append(
      'archive',
      old.map((m) => m.raw),
      'Support',
    );
    for (const m of old) await arrived(inboxId, m.messageId!);
    const before = (await db.query(`SELECT uidvalidity FROM email_sync_state WHERE inbox_id = $1`, [inboxId])).rows[0].uidvalidity;

    // A server migration: the folder is rebuilt (new UIDVALIDITY, UIDs from 1 again) during a restart.
    const admin2 = await dovecot.client('archive');
    await admin2.mailboxDelete('Support');
    // Dovecot ends the session that had the folder open. Until it has, that session can still touch the folder's
    // index, and an APPEND to the folder made again meanwhile fails with "Mailbox was deleted under us".
    await disconnected(inboxId, 'the watcher to lose the folder');
    await admin2.mailboxCreate('Support');
    await admin2.logout();
    const fresh = buildMail({ subject: 'new after reset' });
    await dovecot.append('archive', [...old.map((m) => m.raw), fresh.raw], 'Support');
    await dovecot.stop();
    await dovecot.start();

    await arrived(inboxId, fresh.messageId!);
    // The watcher stores a mail's UID right after the mail: the mail can be seen a moment before.
    const after = await eventually(
      async () => (await db.query(`SELECT uidvalidity, last_uid FROM email_sync_state WHERE inbox_id = $1 AND last_uid = 3`, [inboxId])).rows[0],
      10000,
      'the last UID stored',
    );
    expect(after.uidvalidity).not.toBe(before);
    for (const m of [...old, fresh]) expect(await count(inboxId, m.messageId!)).toBe(1);
  });

  it('lets exactly one replica watch a mailbox, and another take over when it stops', async () => {
    const inboxId = await createInbox('shared');
    const one = buildMail({ subject: 'seen by the first replica' });
    await dovecot.append('shared', [one.raw]);
    await arrived(inboxId, one.messageId!);

    second = await bootApp({ DATABASE_URL: sut.databaseUrl });
    const admin2 = await second.login();
    // Both replicas scan every second; only the lock holder watches.
    const statusOn = async (app: TestApp, token: string) => (await app.api('GET', `/inboxes/${inboxId}/email-status`, { token })).body.watcher;
    await new Promise((r) => setTimeout(r, 1500));
    expect(await statusOn(sut, admin)).toMatchObject({ watchedHere: true });
    expect(await statusOn(second, admin2)).toBeNull();

    await sut.close();
    const two = buildMail({ subject: 'after the first replica stopped' });
    await dovecot.append('shared', [two.raw]);
    await arrived(inboxId, two.messageId!);
    expect(await statusOn(second, admin2)).toMatchObject({ watchedHere: true });
    expect(await count(inboxId, one.messageId!)).toBe(1);
    sut = second;
    second = null;
  });
});
