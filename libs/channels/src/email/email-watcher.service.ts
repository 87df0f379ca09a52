import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { APP_CONFIG, AppConfig, InboxRepository, SecretBox, Transactions } from '@inbox/core';
import { EmailRepository } from './email.repository';
import { EmailIngestService } from './email-ingest.service';
import { EmailSecrets, emailSettingsOf } from './email-settings';
import { MailboxWatcher, WatcherStatus } from './mailbox-watcher';

/** How often each replica looks for email inboxes nobody watches (new ones, or ones whose watcher died). */
const SCAN_INTERVAL_MS = 1000;

/**
 * Exactly one replica watches a mailbox: a PostgreSQL session advisory lock per inbox,
 * held on a dedicated connection. Every replica scans the active email inboxes every
 * second and tries the locks it does not hold, so a new inbox is picked up within a
 * second (no cross-replica event needed) and a dead replica's inboxes are taken over
 * as soon as PostgreSQL ends its session and frees its locks.
 */
@Injectable()
export class EmailWatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EmailWatcherService.name);
  private readonly watchers = new Map<string, MailboxWatcher>();
  private lockClient: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: Transactions,
    private readonly repo: EmailRepository,
    private readonly inboxes: InboxRepository,
    private readonly secretBox: SecretBox,
    private readonly processor: EmailIngestService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runWorkers) return;
    this.timer = setInterval(() => this.scan(), SCAN_INTERVAL_MS);
    this.scan();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.scanning;
    await Promise.all([...this.watchers.values()].map((w) => w.stop()));
    this.watchers.clear();
    await this.lockClient?.end().catch(() => undefined);
    this.lockClient = null;
  }

  /** Which inboxes this replica watches, and how they are doing (for the status endpoint and tests). */
  statusOf(inboxId: string): (WatcherStatus & { watchedHere: true }) | null {
    const w = this.watchers.get(inboxId);
    return w ? { ...w.status, watchedHere: true } : null;
  }

  private scan(): void {
    if (this.scanning || this.stopped) return;
    this.scanning = this.scanOnce()
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'email watcher scan failed'))
      .finally(() => (this.scanning = null));
  }

  private async scanOnce(): Promise<void> {
    const lock = await this.lockConnection();
    const active = new Set(await this.repo.activeInboxIds(this.tx.manager));
    for (const [id, watcher] of this.watchers) {
      if (active.has(id)) continue;
      this.watchers.delete(id);
      // Not awaited: a watcher stuck in a slow connect must not hold up the other inboxes. Session locks
      // stack, so each successful try-lock is matched by exactly one unlock, whenever it comes.
      void watcher
        .stop()
        .then(() => lock.query<{ unlocked: boolean }>(`SELECT pg_advisory_unlock(hashtextextended('inbox-email:' || $1, 0)) AS unlocked`, [id]).catch(() => undefined));
      this.logger.log({ inboxId: id }, 'stopped watching a removed or deactivated email inbox');
    }
    for (const id of active) {
      if (this.watchers.has(id) || this.stopped) continue;
      const [row] = (await lock.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended('inbox-email:' || $1, 0)) AS locked`, [id])).rows;
      if (!row.locked) continue;
      const watcher = new MailboxWatcher(id, {
        load: () => this.load(id),
        processor: this.processor,
        repo: this.repo,
        em: () => this.tx.manager,
        policy: { allowPrivate: this.config.outboundAllowPrivate },
      });
      this.watchers.set(id, watcher);
      watcher.start();
      this.logger.log({ inboxId: id }, 'watching email inbox');
    }
  }

  private async load(id: string) {
    const inbox = await this.inboxes.withSecrets(this.tx.manager, id);
    if (!inbox || inbox.channel !== 'email' || !inbox.secrets) return null;
    return { settings: emailSettingsOf(inbox.settings), secrets: this.secretBox.open<EmailSecrets>(inbox.secrets) };
  }

  /** The connection that holds the locks: if it drops, the locks are gone, so every watcher stops at once. */
  private async lockConnection(): Promise<Client> {
    if (this.lockClient) return this.lockClient;
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new Client({ connectionString: url, application_name: 'omnichannel-inbox-email-locks' });
    const lost = () => {
      if (this.lockClient !== client) return;
      this.lockClient = null;
      if (this.stopped) return;
      this.logger.warn('lost the email lock connection: stopping watchers until the locks are taken again');
      const running = [...this.watchers.values()];
      this.watchers.clear();
      void Promise.all(running.map((w) => w.stop()));
    };
    client.on('error', lost);
    client.on('end', lost);
    await client.connect();
    this.lockClient = client;
    return client;
  }
}
