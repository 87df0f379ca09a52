import type { EntityManager } from 'typeorm';
import { MailboxWatcher, WatcherDeps } from '../libs/channels/src/email/mailbox-watcher';
import type { EmailIngestService, RawMail } from '../libs/channels/src/email/email-ingest.service';
import type { EmailRepository, SyncState } from '../libs/channels/src/email/email.repository';
import { startDovecot, TestDovecot } from './helpers/dovecot';
import { buildMail } from './helpers/mail-factory';
import { eventually } from './helpers/app';

/**
 * The watcher against a real Dovecot, with its database parts in memory: what matters here is the IMAP
 * conversation, in particular a mail that lands while the first sync of a session is running.
 */
describe('MailboxWatcher', () => {
  let dovecot: TestDovecot;

  beforeAll(async () => {
    dovecot = await startDovecot({ sales: 'sales-pass' });
  });

  afterAll(async () => {
    await dovecot?.close();
  });

  function watcherWith(opts: { beforeSearch?: () => Promise<void> }) {
    const states = new Map<string, SyncState>();
    const received: string[] = [];
    let syncStateCalls = 0;
    const repo = {
      async syncState(_em: EntityManager, inboxId: string, mailbox: string) {
        syncStateCalls++;
        // The first call is the session's check of UIDVALIDITY, the second the first sync's, right before its SEARCH.
        if (syncStateCalls === 2) await opts.beforeSearch?.();
        return states.get(`${inboxId}/${mailbox}`) ?? null;
      },
      async saveSyncState(_em: EntityManager, inboxId: string, mailbox: string, state: SyncState) {
        states.set(`${inboxId}/${mailbox}`, state);
      },
    } as unknown as EmailRepository;
    const processor = {
      async process(_box: unknown, mail: RawMail) {
        received.push(mail.raw.toString('utf8'));
      },
    } as unknown as EmailIngestService;
    const imap = { ...dovecot.imapSettings('sales'), mailbox: 'INBOX' };
    const deps: WatcherDeps = {
      load: async () => ({
        settings: { address: 'sales@acme.test', imap, smtp: { host: '127.0.0.1', port: 25, secure: false, user: '' } } as never,
        secrets: { imapPassword: 'sales-pass', smtpPassword: null },
      }),
      processor,
      repo,
      em: () => ({}) as EntityManager,
      policy: { allowPrivate: true },
    };
    return { watcher: new MailboxWatcher('inbox-1', deps), received };
  }

  it('fetches a mail that arrives while the first sync of a session runs, without waiting for the safety sync', async () => {
    const early = buildMail({ to: 'sales@acme.test', subject: 'arrived during the first sync', body: 'hello' });
    const { watcher, received } = watcherWith({ beforeSearch: () => dovecot.append('sales', [early.raw]) });
    watcher.start();
    try {
      // The safety sync comes every 30 s: well after this deadline.
      await eventually(async () => received.some((r) => r.includes(early.messageId!)), 10000, 'the mail that arrived during the first sync');
      const later = buildMail({ to: 'sales@acme.test', subject: 'pushed by IDLE', body: 'hello again' });
      await dovecot.append('sales', [later.raw]);
      await eventually(async () => received.some((r) => r.includes(later.messageId!)), 10000, 'the mail pushed by IDLE');
      expect(received).toHaveLength(2);
    } finally {
      await watcher.stop();
    }
  });
});
