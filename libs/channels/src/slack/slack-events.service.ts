import { Injectable, Logger } from '@nestjs/common';
import { DomainError, InboxRepository, IngestService, MessageRepository, PgJob, SecretBox, Transactions, notFound } from '@inbox/core';
import { WebhookIntakeService } from '../channel-events/webhook-intake.service';
import { SlackApiClient, SlackAuth, SlackCallError } from './slack-api.client';
import { SlackEventDecision, SlackInboundEvent, classifySlackEnvelope, slackExternalId, slackThreadKey, slackTsToDate } from './slack-event.util';
import { verifySlackSignature } from './slack-signature.util';
import { SlackRepository } from './slack.repository';
import { SlackSecrets, SlackSettings } from './slack-channel.adapter';
import { fetchFilesOrSkip, isLastAttempt, subjectOf } from '../channel-events/inbound-job.util';

export const SLACK_EVENTS_QUEUE = 'slack-intake';
/** Its name until 2026-12, when one worker per replica ran all inboxes' jobs (WebhookIntakeService.work). */
export const SLACK_EVENTS_FORMER_QUEUE = 'slack-events';
/** Per file; larger files are listed in the message metadata instead of stored. */
export const SLACK_MAX_FILE_BYTES = 10 * 1024 * 1024;
export const SLACK_MAX_FILES_PER_MESSAGE = 10;

type StoredDecision = Extract<SlackEventDecision, { action: 'ingest' | 'edit' | 'delete' }>;
interface SlackEventJob {
  inboxId: string;
  decision: StoredDecision;
}

export interface SlackDelivery {
  inboxId: string;
  rawBody: Buffer | undefined;
  body: unknown;
  timestamp: string | undefined;
  signature: string | undefined;
  retryNum: string | undefined;
  retryReason: string | undefined;
}

export type SlackAck = { challenge: string } | { ok: true; outcome: 'queued' | 'duplicate' | 'ignored'; eventId: string | null; reason?: string };

/**
 * Slack wants an answer within 3 s and retries otherwise: the request only verifies,
 * classifies and stores a durable job (with the event id, in one transaction); users.info,
 * file downloads and ingest run in the job, with retries.
 */
@Injectable()
export class SlackEventsService {
  private readonly logger = new Logger(SlackEventsService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly messages: MessageRepository,
    private readonly ingestService: IngestService,
    private readonly secretBox: SecretBox,
    private readonly slack: SlackApiClient,
    private readonly repo: SlackRepository,
    private readonly intake: WebhookIntakeService,
  ) {}

  async defineQueue(): Promise<void> {
    await this.intake.defineQueue(SLACK_EVENTS_QUEUE);
  }

  /** INTAKE_CONCURRENCY workers on this replica; one inbox's jobs run one at a time, in order (WebhookIntakeService.work). */
  async startWorker(): Promise<void> {
    await this.intake.work<SlackEventJob>(SLACK_EVENTS_QUEUE, SLACK_EVENTS_FORMER_QUEUE, (job) => this.process(job));
  }

  async receive(d: SlackDelivery): Promise<SlackAck> {
    const { inbox, secrets } = await this.intake.inbox<Partial<SlackSecrets>>(d.inboxId, d.inboxId);
    if (inbox.channel !== 'slack') throw notFound('inbox', d.inboxId);
    const check = verifySlackSignature({
      signingSecret: secrets.signingSecret ?? '',
      rawBody: d.rawBody ?? Buffer.alloc(0),
      timestampHeader: d.timestamp,
      signatureHeader: d.signature,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (!check.ok) {
      this.logger.warn({ inboxId: d.inboxId, reason: check.reason }, 'Slack request refused');
      throw new DomainError('UNAUTHENTICATED', `Slack signature rejected: ${check.reason}`);
    }
    if (!d.rawBody) throw new DomainError('VALIDATION_FAILED', 'the body must be JSON (application/json), as Slack sends events');

    const settings = inbox.settings as unknown as SlackSettings;
    const decision = classifySlackEnvelope(d.body, { watchedChannels: settings.channels ?? [], botUserId: settings.botUserId ?? null, botId: settings.botId ?? null });
    if (decision.action === 'challenge') return { challenge: decision.challenge };
    if (decision.action === 'reject') throw new DomainError('VALIDATION_FAILED', decision.reason);
    if (decision.action === 'ignore') {
      this.logger.debug({ inboxId: d.inboxId, eventId: decision.eventId, reason: decision.reason }, 'Slack event ignored');
      return { ok: true, outcome: 'ignored', eventId: decision.eventId, reason: decision.reason };
    }
    if (!inbox.active) return { ok: true, outcome: 'ignored', eventId: decision.eventId, reason: 'the inbox is inactive' };

    const retryNum = Number(d.retryNum ?? 0) || 0;
    const fresh = await this.intake.store({
      record: (em) => this.repo.markEventSeen(em, d.inboxId, decision.eventId, retryNum),
      queue: SLACK_EVENTS_QUEUE,
      job: { inboxId: d.inboxId, decision } satisfies SlackEventJob,
    });
    this.intake.pruneNowAndThen('Slack event ids', (em) => this.repo.pruneSeenEvents(em, 72));
    if (!fresh) {
      this.logger.log({ inboxId: d.inboxId, eventId: decision.eventId, retryNum, retryReason: d.retryReason }, 'Slack event redelivered, already queued');
      return { ok: true, outcome: 'duplicate', eventId: decision.eventId };
    }
    return { ok: true, outcome: 'queued', eventId: decision.eventId };
  }

  async process(job: PgJob<SlackEventJob>): Promise<void> {
    const { inboxId, decision } = job.data;
    const lastAttempt = isLastAttempt(job);
    const inbox = await this.inboxes.withSecrets(this.tx.manager, inboxId);
    if (!inbox) return; // deleted since: nothing to attach the event to
    const secrets = inbox.secrets ? this.secretBox.open<SlackSecrets>(inbox.secrets) : ({} as SlackSecrets);
    const auth: SlackAuth = { token: secrets.botToken, apiUrl: (inbox.settings as unknown as SlackSettings).slackApiUrl ?? null };
    if (decision.action === 'ingest') return this.ingest(inboxId, auth, decision.message, lastAttempt);
    const externalId = slackExternalId(decision.channel, decision.ts);
    await this.tx.run(async ({ em, emit }) => {
      const changed =
        decision.action === 'edit'
          ? await this.repo.applyEdit(em, inboxId, externalId, { text: decision.text, editedAt: decision.editedAt, editedBy: decision.editedBy })
          : await this.repo.markDeleted(em, inboxId, externalId, decision.deletedAt);
      if (!changed) {
        this.logger.log({ inboxId, externalId, action: decision.action }, 'Slack edit/delete of a message we do not hold (or no change), ignored');
        return;
      }
      emit({ type: 'message.updated', conversationId: changed.conversationId, payload: await this.messages.mustSummary(em, changed.id) });
    });
  }

  private async ingest(inboxId: string, auth: SlackAuth, m: SlackInboundEvent, lastAttempt: boolean): Promise<void> {
    const user = await this.lookupUser(auth, m.user, lastAttempt);
    const { attachments, skipped } = await this.fetchFiles(auth, m, lastAttempt);
    const result = await this.ingestService.ingest({
      inboxId,
      channel: 'slack',
      externalId: slackExternalId(m.channel, m.ts),
      contact: { identifier: m.user, name: user?.name ?? null, email: user?.email ?? null },
      threadKey: slackThreadKey(m.channel, m.ts, m.threadTs, m.channelType),
      text: m.text,
      subject: subjectOf(m.text),
      attachments,
      receivedAt: slackTsToDate(m.ts),
      metadata: {
        slack: { channel: m.channel, ts: m.ts, threadTs: m.threadTs, user: m.user, team: m.team, channelType: m.channelType, externalShared: m.externalShared },
        ...(skipped.length ? { skippedFiles: skipped } : {}),
      },
    });
    this.logger.log({ inboxId, conversationId: result.conversationId, created: result.created }, 'Slack message ingested');
  }

  /** A name is nice to have: without one (user_not_found, missing scope) the contact is still created. */
  private async lookupUser(auth: SlackAuth, userId: string, lastAttempt: boolean) {
    try {
      return await this.slack.userInfo(auth, userId);
    } catch (err) {
      if (err instanceof SlackCallError && (!err.retryable || lastAttempt)) {
        this.logger.warn({ userId, reason: err.message }, 'Slack user not resolved, keeping the id');
        return null;
      }
      throw err;
    }
  }

  /**
   * Temporary failures retry the whole job (ingest is idempotent); permanent ones, and
   * anything still failing on the last attempt, keep the message and list the file as skipped.
   */
  private fetchFiles(auth: SlackAuth, m: SlackInboundEvent, lastAttempt: boolean) {
    return fetchFilesOrSkip(m.files, {
      max: SLACK_MAX_FILES_PER_MESSAGE,
      lastAttempt,
      callError: SlackCallError,
      fetch: async (f) => {
        const info = await this.slack.fileInfo(auth, f.id);
        if (info.size > SLACK_MAX_FILE_BYTES) throw new SlackCallError('files.info', `file is ${info.size} bytes, over the ${SLACK_MAX_FILE_BYTES} byte limit`, false);
        if (!info.downloadUrl) throw new SlackCallError('files.info', 'file has no download URL (external or deleted file)', false);
        const data = await this.slack.download(auth, info.downloadUrl, SLACK_MAX_FILE_BYTES);
        return { fileName: info.name, contentType: info.mimetype, data };
      },
      skip: (f, reason) => ({ id: f.id, name: f.name, reason }),
    });
  }
}
