import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import {
  APP_CONFIG,
  AppConfig,
  ChannelAdapter,
  ConfiguredInbox,
  OutboundContext,
  OutboundPolicy,
  PermanentSendError,
  SendResult,
  assertOutboundHosts,
  isOutboundRefusal,
} from '@inbox/core';
import { describeConnectionError, smtpConnectOptions } from './email-connection';
import { emailSettingsOf, parseEmailInboxInput } from './email-settings';
import { ownMessageId, replyReferences, replySubject } from './email-threading.util';

/**
 * 5xx (and a refused login) will fail again: no retry. 4xx, timeouts and dropped connections
 * are retried by the job. The reason names the reply code and enhanced status (5.1.1, 5.7.1),
 * never the server's text: that stays in the server log.
 */
export function smtpFailure(err: unknown): { permanent: boolean; reason: string } {
  if (isOutboundRefusal(err)) return { permanent: true, reason: 'SMTP server address refused by outbound policy' };
  const e = (err ?? {}) as { responseCode?: number; response?: string; code?: string; message?: string };
  if (typeof e.responseCode === 'number') {
    const enhanced = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(String(e.response ?? ''))?.[1];
    const what =
      e.code === 'EAUTH' || e.responseCode === 535
        ? 'authentication failed'
        : e.responseCode >= 500
          ? 'the server refused the message'
          : e.responseCode >= 400
            ? 'the server asked to try again later'
            : 'unexpected answer from the server';
    return { permanent: e.responseCode >= 500, reason: `SMTP ${e.responseCode}${enhanced ? ` ${enhanced}` : ''}: ${what}` };
  }
  const { words } = describeConnectionError(err);
  return { permanent: e.code === 'EAUTH' || e.code === 'EENVELOPE', reason: `SMTP ${words}` };
}

/** "Ana via Support <support@acme.test>": customers see who answered, replies still reach the inbox. */
export function fromName(agentName: string | null, inboxName: string): string {
  const clean = (s: string) => s.replace(/["<>\r\n]/g, '').trim();
  return agentName ? `${clean(agentName)} via ${clean(inboxName)}` : clean(inboxName);
}

/**
 * The email channel: IMAP in (see EmailWatcherService), SMTP out. Replies carry our
 * own deterministic Message-ID (so a retry never sends a second identity and the
 * customer's answer threads back) and the thread's In-Reply-To/References.
 */
type Transport = ReturnType<typeof nodemailer.createTransport>;
const TRANSPORT_IDLE_MS = 5 * 60 * 1000;

@Injectable()
export class EmailChannelAdapter implements ChannelAdapter, OnModuleDestroy {
  readonly kind = 'email' as const;
  private readonly logger = new Logger(EmailChannelAdapter.name);
  private readonly policy: OutboundPolicy;
  /**
   * One pooled SMTP transport per inbox, reused across replies (a burst of replies shares a few
   * connections instead of one handshake each). Keyed by the checked address and settings: a
   * changed DNS answer or password gets a new transport, and idle ones are closed.
   */
  private readonly transports = new Map<string, { key: string; transport: Transport; timer: NodeJS.Timeout }>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.policy = { allowPrivate: config.outboundAllowPrivate };
  }

  onModuleDestroy(): void {
    for (const t of this.transports.values()) {
      clearTimeout(t.timer);
      t.transport.close();
    }
    this.transports.clear();
  }

  private transportFor(inboxId: string, options: Record<string, unknown>): Transport {
    const key = JSON.stringify(options);
    let entry = this.transports.get(inboxId);
    if (entry && entry.key !== key) {
      clearTimeout(entry.timer);
      entry.transport.close();
      entry = undefined;
    }
    if (!entry) {
      const transport = nodemailer.createTransport({
        ...options,
        pool: true,
        maxConnections: 2,
        maxMessages: 100,
        connectionTimeout: 15000,
        greetingTimeout: 15000,
        socketTimeout: 60000,
      });
      entry = { key, transport, timer: setTimeout(() => undefined, 0) };
      this.transports.set(inboxId, entry);
    }
    clearTimeout(entry.timer);
    const current = entry;
    current.timer = setTimeout(() => {
      current.transport.close();
      if (this.transports.get(inboxId) === current) this.transports.delete(inboxId);
    }, TRANSPORT_IDLE_MS);
    current.timer.unref();
    return current.transport;
  }

  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const { settings, secrets } = parseEmailInboxInput(input);
    await assertOutboundHosts({ 'imap.host': settings.imap.host, 'smtp.host': settings.smtp.host }, this.policy);
    return { settings: settings as unknown as Record<string, unknown>, secrets: secrets as unknown as Record<string, unknown>, revealOnce: {} };
  }

  publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
    const s = emailSettingsOf(settings);
    // Passwords live sealed in `secrets` and never come back; the rest helps an admin see what is configured.
    return { address: s.address, imap: { ...s.imap }, smtp: { ...s.smtp } };
  }

  async send(ctx: OutboundContext): Promise<SendResult> {
    const s = emailSettingsOf(ctx.inbox.settings);
    if (!ctx.recipient) throw new PermanentSendError('the contact has no email address');
    const thread = ctx.thread;
    const parent = [...thread].reverse().find((m) => m.direction === 'inbound') ?? thread[thread.length - 1];
    const references = replyReferences(
      thread.map((m) => m.externalId).filter((id) => id !== parent?.externalId),
      parent?.externalId ?? null,
    );
    const ownId = ownMessageId(ctx.message.id, s.address);
    // Reply-all by default: whoever the customer copied stays in the loop, except us and the customer.
    const cc = ctx.cc.filter((a) => a.toLowerCase() !== s.address && a.toLowerCase() !== ctx.recipient.toLowerCase());
    const attachments: Mail.Attachment[] = ctx.attachments.map((a) => ({ filename: a.fileName, contentType: a.contentType, content: a.data }));
    const mail: Mail.Options = {
      messageId: `<${ownId}>`,
      from: { name: fromName(ctx.author.name, ctx.inbox.name), address: s.address },
      to: ctx.recipient,
      cc: cc.length ? cc : undefined,
      // The first mail of a conversation we started (POST /conversations) is no reply: its subject goes out as written.
      subject: parent ? replySubject(ctx.conversation.subject) : ctx.conversation.subject?.trim() || replySubject(null),
      text: ctx.message.text,
      html: ctx.message.html ?? undefined,
      inReplyTo: parent ? `<${parent.externalId}>` : undefined,
      references: references.length ? references.map((r) => `<${r}>`) : undefined,
      attachments,
      headers: { 'X-Inbox-Message-Id': ctx.message.id },
    };
    try {
      // Resolved and checked at every send: the host may have been stored, or its DNS changed, since it was configured.
      const connect = await smtpConnectOptions(s.smtp, String(ctx.inbox.secrets.smtpPassword ?? ''), this.policy);
      const info = await this.transportFor(ctx.inbox.id, connect as Record<string, unknown>).sendMail(mail);
      this.logger.log({ messageId: ctx.message.id, smtpId: info.messageId, response: info.response }, 'email reply sent');
      return { externalId: ownId };
    } catch (err) {
      const failure = smtpFailure(err);
      // The server's own words go to the operator's log only.
      this.logger.warn({ messageId: ctx.message.id, inboxId: ctx.inbox.id, err: (err as Error).message, response: (err as { response?: string }).response }, failure.reason);
      if (failure.permanent) throw new PermanentSendError(failure.reason);
      throw new Error(failure.reason);
    }
  }
}
