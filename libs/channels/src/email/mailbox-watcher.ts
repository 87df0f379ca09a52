import { Logger } from '@nestjs/common';
import { ImapFlow } from 'imapflow';
import type { OutboundPolicy } from '@inbox/core';
import { describeConnectionError, imapConnectOptions } from './email-connection';
import type { EmailSecrets, EmailSettings } from './email-settings';
import type { EmailIngestService, MailboxRef, RawMail } from './email-ingest.service';
import type { EmailRepository, SyncState } from './email.repository';
import type { EntityManager } from 'typeorm';

export interface WatcherDeps {
  load(): Promise<{ settings: EmailSettings; secrets: EmailSecrets } | null>;
  processor: EmailIngestService;
  repo: EmailRepository;
  em: () => EntityManager;
  /** Checked at every (re)connect: the host's DNS may point elsewhere since the last session. */
  policy: OutboundPolicy;
}

export interface WatcherStatus {
  connected: boolean;
  idle: boolean;
  lastSyncAt: string | null;
  lastError: string | null;
  reconnects: number;
}

const FETCH_BATCH = 50;
/** A safety net besides IDLE: some servers drop IDLE silently, and polling covers servers without it. */
const SAFETY_SYNC_MS = 30_000;
const MAX_BACKOFF_MS = 30_000;

/** Backoff before reconnect attempt n (0-based): 0.5 s doubling to 30 s, with jitter so replicas do not stampede. */
export function reconnectDelay(attempt: number, random = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.75 + random() * 0.5));
}

/**
 * One IMAP connection for one inbox: fetch what is new since the last UID, then IDLE
 * (imapflow polls with NOOP where the server has no IDLE); reconnect with backoff
 * after a drop. Only the replica holding the inbox's advisory lock runs it.
 */
export class MailboxWatcher {
  private readonly logger = new Logger(MailboxWatcher.name);
  private stopped = false;
  private client: ImapFlow | null = null;
  private loopDone: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private syncRunning: Promise<void> | null = null;
  private syncAgain = false;
  readonly status: WatcherStatus = { connected: false, idle: false, lastSyncAt: null, lastError: null, reconnects: 0 };

  constructor(
    readonly inboxId: string,
    private readonly deps: WatcherDeps,
  ) {}

  start(): void {
    this.loopDone ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const c = this.client;
    if (c?.usable) await c.logout().catch(() => c.close());
    else c?.close();
    await this.loopDone;
    // A sync started by IDLE runs beside the loop: let it finish before the database goes away.
    await this.syncRunning;
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        await this.session(() => (attempt = 0));
      } catch (err) {
        // Shown to admins through the status endpoint: our words, not the server's.
        this.status.lastError = describeConnectionError(err).words;
        if (!this.stopped) this.logger.warn({ inboxId: this.inboxId, err: (err as Error).message, attempt }, 'IMAP session ended');
      }
      this.status.connected = false;
      this.status.idle = false;
      if (this.stopped) break;
      const delay = reconnectDelay(attempt++);
      this.status.reconnects++;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private async session(healthy: () => void): Promise<void> {
    const inbox = await this.deps.load();
    if (!inbox) throw new Error('inbox gone or not an email inbox');
    const { imap, address } = inbox.settings;
    const client = new ImapFlow({
      ...(await imapConnectOptions(imap, inbox.secrets.imapPassword, this.deps.policy)),
      // IDLE right after each command: new mail is pushed within a round trip, not after imapflow's 15 s default.
      autoIdleDelay: 200,
      // Servers drop long IDLEs (RFC 2177 says re-issue within 29 minutes).
      maxIdleTime: 5 * 60_000,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 10 * 60_000,
    });
    this.client = client;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', (err: Error) => {
      this.status.lastError = describeConnectionError(err).words;
    });
    const box: MailboxRef = { inboxId: this.inboxId, address, mailbox: imap.mailbox };
    let safety: NodeJS.Timeout | null = null;
    try {
      if (this.stopped) return;
      await client.connect();
      const opened = await client.mailboxOpen(imap.mailbox, { readOnly: true });
      const uidvalidity = Number(opened.uidValidity);
      this.status.connected = true;
      this.status.idle = client.capabilities.has('IDLE');
      const state = await this.deps.repo.syncState(this.deps.em(), this.inboxId, imap.mailbox);
      if (!state || state.uidvalidity !== uidvalidity) {
        if (state)
          this.logger.warn(
            { inboxId: this.inboxId, from: state.uidvalidity, to: uidvalidity },
            'UIDVALIDITY changed: re-syncing the mailbox (known mails are skipped by Message-ID)',
          );
        await this.deps.repo.saveSyncState(this.deps.em(), this.inboxId, imap.mailbox, { uidvalidity, lastUid: 0 });
      }
      // A sync of the previous session may still be failing on its closed connection: one sync at a time.
      await this.syncRunning;
      // Listening before the first sync: a mail that lands during it is announced by an EXISTS that comes with the
      // SEARCH's answer (after its results were computed), and only once. Heard, it runs the sync again.
      client.on('exists', () => this.requestSync(client, box, uidvalidity));
      await this.syncUntilQuiet(client, box, uidvalidity);
      healthy();
      this.status.lastError = null;
      safety = setInterval(() => this.requestSync(client, box, uidvalidity), SAFETY_SYNC_MS);
      await closed;
      if (!this.stopped) throw new Error('IMAP connection closed');
    } finally {
      if (safety) clearInterval(safety);
      this.client = null;
      if (client.usable) await client.logout().catch(() => client.close());
      else client.close();
    }
  }

  /** Coalesces bursts of EXISTS into one sync at a time; a failed sync drops the connection to reconnect cleanly. */
  private requestSync(client: ImapFlow, box: MailboxRef, uidvalidity: number): void {
    if (this.syncRunning) {
      this.syncAgain = true;
      return;
    }
    this.syncUntilQuiet(client, box, uidvalidity).catch((err) => {
      this.status.lastError = describeConnectionError(err).words;
      this.logger.warn({ inboxId: this.inboxId, err: (err as Error).message }, 'IMAP sync failed, reconnecting');
      client.close();
    });
  }

  /**
   * Syncs again as long as EXISTS came in meanwhile; rejects with the first failure. One runs at a time (callers check
   * `syncRunning`, which never rejects).
   */
  private syncUntilQuiet(client: ImapFlow, box: MailboxRef, uidvalidity: number): Promise<void> {
    const run = (async () => {
      try {
        do {
          this.syncAgain = false;
          await this.sync(client, box, uidvalidity);
        } while (this.syncAgain && !this.stopped);
      } finally {
        // In the same turn as the last check of syncAgain: an EXISTS heard after it starts a new sync.
        this.syncRunning = null;
      }
    })();
    this.syncRunning = run.catch(() => undefined);
    return run;
  }

  private async sync(client: ImapFlow, box: MailboxRef, uidvalidity: number): Promise<void> {
    const em = this.deps.em();
    const state: SyncState = (await this.deps.repo.syncState(em, this.inboxId, box.mailbox)) ?? { uidvalidity, lastUid: 0 };
    const found = await client.search({ uid: `${state.lastUid + 1}:*` }, { uid: true });
    // `n:*` always matches the highest UID, even below n.
    const uids = (found || []).filter((u) => u > state.lastUid).sort((a, b) => a - b);
    for (let i = 0; i < uids.length && !this.stopped; i += FETCH_BATCH) {
      const batch = uids.slice(i, i + FETCH_BATCH);
      const mails: Array<RawMail & { uid: number }> = [];
      for await (const m of client.fetch(batch.join(','), { uid: true, source: true, internalDate: true }, { uid: true })) {
        if (m.source) mails.push({ raw: m.source, uid: m.uid, uidvalidity, internalDate: m.internalDate ? new Date(m.internalDate) : null });
      }
      mails.sort((a, b) => a.uid - b.uid);
      for (const mail of mails) {
        await this.deps.processor.process(box, mail);
        // Per mail: a crash mid-batch re-fetches at most one mail, and that one dedupes.
        await this.deps.repo.saveSyncState(em, this.inboxId, box.mailbox, { uidvalidity, lastUid: mail.uid });
      }
      // UIDs that vanished between SEARCH and FETCH (expunged) are passed too.
      await this.deps.repo.saveSyncState(em, this.inboxId, box.mailbox, { uidvalidity, lastUid: batch[batch.length - 1] });
    }
    this.status.lastSyncAt = new Date().toISOString();
  }
}
