import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, DomainError, InboxRepository, OutboundPolicy, SecretBox, Transactions, assertOutboundHosts, notFound } from '@inbox/core';
import { EmailRepository } from './email.repository';
import { checkImap, checkSmtp } from './email-connection';
import { EmailSecrets, emailSettingsOf, parseEmailInboxInput } from './email-settings';
import { EmailWatcherService } from './email-watcher.service';

/** Admin operations on an email inbox: quarantine, connection test, sync status. */
@Injectable()
export class EmailInboxService {
  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly email: EmailRepository,
    private readonly secretBox: SecretBox,
    private readonly watchers: EmailWatcherService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.policy = { allowPrivate: config.outboundAllowPrivate };
  }

  private readonly policy: OutboundPolicy;

  async quarantine(inboxId: string, limit: number) {
    await this.emailInbox(inboxId);
    return { items: await this.email.listQuarantine(this.tx.manager, inboxId, limit) };
  }

  async quarantineRaw(inboxId: string, id: string): Promise<Buffer> {
    await this.emailInbox(inboxId);
    const raw = await this.email.quarantineRaw(this.tx.manager, inboxId, id);
    if (!raw) throw new DomainError('NOT_FOUND', `quarantined mail ${id} not found in inbox ${inboxId}`, { id });
    return raw;
  }

  async testConnection(inboxId: string) {
    const inbox = await this.emailInbox(inboxId);
    const s = emailSettingsOf(inbox.settings);
    // A refused target is refused before any connection, so the answer cannot tell an open internal port from a closed one.
    await assertOutboundHosts({ 'imap.host': s.imap.host, 'smtp.host': s.smtp.host }, this.policy);
    const secrets = inbox.secrets ? this.secretBox.open<EmailSecrets>(inbox.secrets) : { imapPassword: '', smtpPassword: null };
    const [imap, smtp] = await Promise.all([checkImap(s.imap, secrets.imapPassword, this.policy), checkSmtp(s.smtp, secrets.smtpPassword, this.policy)]);
    return { ok: imap.ok && smtp.ok, imap, smtp };
  }

  /**
   * The same test for settings typed in the admin form, before the inbox exists: body as the email
   * part of `POST /inboxes` (validated the same way, per field), nothing stored.
   */
  async testSettings(input: unknown) {
    if (!input || typeof input !== 'object' || Array.isArray(input))
      throw new DomainError('VALIDATION_FAILED', 'body must be an object {imap, smtp}', { fields: { body: ['must be an object'] } });
    const { settings: s, secrets } = parseEmailInboxInput(input as Record<string, unknown>, { addressOptional: true });
    await assertOutboundHosts({ 'imap.host': s.imap.host, 'smtp.host': s.smtp.host }, this.policy);
    const [imap, smtp] = await Promise.all([checkImap(s.imap, secrets.imapPassword, this.policy), checkSmtp(s.smtp, secrets.smtpPassword, this.policy)]);
    return { ok: imap.ok && smtp.ok, imap, smtp };
  }

  async status(inboxId: string) {
    const inbox = await this.emailInbox(inboxId);
    const s = emailSettingsOf(inbox.settings);
    const state = await this.email.syncState(this.tx.manager, inboxId, s.imap.mailbox);
    return { mailbox: s.imap.mailbox, uidvalidity: state?.uidvalidity ?? null, lastUid: state?.lastUid ?? null, watcher: this.watchers.statusOf(inboxId) };
  }

  private async emailInbox(id: string) {
    const inbox = await this.inboxes.withSecrets(this.tx.manager, id);
    if (!inbox) throw notFound('inbox', id);
    if (inbox.channel !== 'email') throw new DomainError('CHANNEL_NOT_SUPPORTED', `inbox ${id} is a ${inbox.channel} inbox, not an email inbox`);
    return inbox;
  }
}
