import { Injectable, Logger } from '@nestjs/common';
import { IngestService, MessageRepository, Transactions } from '@inbox/core';
import { EmailRepository } from './email.repository';
import { bounceDetails } from './email-loop.util';
import { ParsedMail, UnusableMailError, parseMail } from './email-parser';
import { parseOwnMessageId, threadCandidates } from './email-threading.util';

export interface RawMail {
  raw: Buffer;
  uid: number | null;
  uidvalidity: number | null;
  internalDate?: Date | null;
}

export interface MailboxRef {
  inboxId: string;
  address: string;
  mailbox: string;
}

export type MailOutcome = 'ingested' | 'duplicate' | 'quarantined' | 'bounce';

/**
 * One raw mail → the core ingest (or the quarantine). Never throws for a bad mail:
 * only when even the quarantine cannot be written (the database is down), so the
 * watcher keeps its position and tries again later instead of skipping the mail.
 */
@Injectable()
export class EmailIngestService {
  private readonly logger = new Logger(EmailIngestService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly ingest: IngestService,
    private readonly email: EmailRepository,
    private readonly messages: MessageRepository,
  ) {}

  async process(box: MailboxRef, mail: RawMail): Promise<MailOutcome> {
    let parsed: ParsedMail;
    try {
      parsed = await parseMail(mail.raw);
    } catch (err) {
      const reason = err instanceof UnusableMailError ? err.message : `unparseable: ${(err as Error).message}`;
      return this.quarantine(box, mail, null, reason);
    }
    try {
      if (parsed.classification.kind === 'bounce') {
        const handled = await this.bounce(box, mail, parsed);
        if (handled) return 'bounce';
      }
      if (parsed.from.address === box.address && !parsed.inReplyTo.length && parsed.classification.kind === 'normal') {
        // Mail from our own address that is not one of our replies (those dedupe by Message-ID): a forwarding loop.
        return this.quarantine(box, mail, parsed.messageId, `sent from the inbox's own address ${box.address} (mail loop guard)`);
      }
      const candidates = threadCandidates(parsed.inReplyTo, parsed.references);
      const ownUuids = candidates.map(parseOwnMessageId).filter((x): x is string => x !== null);
      const known = await this.email.threadKeyFor(this.tx.manager, box.inboxId, candidates, ownUuids);
      // A reply to a thread we never saw starts a conversation keyed on that thread's root, so its next mails join it.
      const threadKey = known ?? parsed.references[0] ?? parsed.inReplyTo[0] ?? parsed.externalId;
      const noise = parsed.classification.kind !== 'normal';
      const result = await this.ingest.ingest({
        inboxId: box.inboxId,
        channel: 'email',
        externalId: parsed.externalId,
        contact: { identifier: parsed.from.address, name: parsed.from.name, email: parsed.from.address },
        threadKey,
        text: parsed.visibleText,
        html: parsed.html,
        subject: parsed.subject,
        priority: noise ? 0 : undefined,
        attachments: parsed.attachments.map((a) => ({ fileName: a.fileName, contentType: a.contentType, data: a.data, contentId: a.contentId })),
        metadata: {
          cc: parsed.cc.map((a) => a.address),
          to: parsed.to.map((a) => a.address),
          email: {
            messageId: parsed.messageId,
            from: parsed.from,
            replyTo: parsed.replyTo?.address ?? null,
            subject: parsed.subject,
            date: parsed.date?.toISOString() ?? null,
            inReplyTo: parsed.inReplyTo,
            references: parsed.references,
            mailbox: box.mailbox,
            uid: mail.uid,
            ccNames: parsed.cc,
          },
          ...(parsed.visibleText !== parsed.fullText ? { fullText: parsed.fullText } : {}),
          ...(noise ? { noise: parsed.classification.kind, noiseReason: parsed.classification.reason, autoReplyAllowed: false } : {}),
          ...(parsed.droppedAttachments.length ? { droppedAttachments: parsed.droppedAttachments } : {}),
        },
        receivedAt: mail.internalDate && !Number.isNaN(mail.internalDate.getTime()) ? mail.internalDate : undefined,
        // In the ingest transaction: a failure here stores neither, so the quarantine below never holds a mail that was also ingested.
        onStored: (em, stored) => this.email.saveRaw(em, stored.messageId, mail.raw),
      });
      return result.created ? 'ingested' : 'duplicate';
    } catch (err) {
      this.logger.warn({ inboxId: box.inboxId, uid: mail.uid, err: (err as Error).message }, 'mail could not be stored');
      return this.quarantine(box, mail, parsed.messageId, `could not be stored: ${(err as Error).message}`);
    }
  }

  /** Marks the reply the bounce refers to as failed; false when it refers to nothing we sent (it is ingested instead). */
  private async bounce(box: MailboxRef, mail: RawMail, parsed: ParsedMail): Promise<boolean> {
    const details = bounceDetails(mail.raw.toString('latin1'), parsed.messageId, parsed.inReplyTo, parsed.references);
    const ownUuids = details.originalMessageIds.map(parseOwnMessageId).filter((x): x is string => x !== null);
    const target = await this.email.outboundFor(this.tx.manager, box.inboxId, details.originalMessageIds, ownUuids);
    if (!target) return false;
    if (target.status !== 'failed') {
      await this.tx.run(async ({ em, emit }) => {
        await this.messages.setDelivery(em, target.id, 'failed', { error: details.reason });
        emit({ type: 'message.updated', conversationId: target.conversationId, payload: await this.messages.mustSummary(em, target.id) });
      });
      this.logger.warn({ inboxId: box.inboxId, messageId: target.id, reason: details.reason }, 'reply bounced');
    }
    return true;
  }

  private async quarantine(box: MailboxRef, mail: RawMail, messageId: string | null, reason: string): Promise<MailOutcome> {
    const added = await this.email.quarantine(this.tx.manager, {
      inboxId: box.inboxId,
      mailbox: box.mailbox,
      uid: mail.uid,
      uidvalidity: mail.uidvalidity,
      messageId,
      reason,
      raw: mail.raw,
    });
    if (added) this.logger.warn({ inboxId: box.inboxId, uid: mail.uid, reason }, 'mail quarantined');
    return 'quarantined';
  }
}
