import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ConversationHooks } from '../conversations/conversation-hooks';
import { Transactions, TxContext } from '../db/transactions';
import { settingsPerVersion } from '../db/sql';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../errors/domain-error';
import { JobQueue } from '../jobs/job-queue';
import { OutboundService } from '../outbound/outbound.service';
import { ConversationRepository } from '../repositories/conversation.repository';
import { MessageRepository } from '../repositories/message.repository';
import { CsatRepository, CsatResponseRow, CsatSettings, SurveyRow } from './csat.repository';
import { CsatLocale, CsatScale, DEFAULT_QUESTIONS, csatLocaleOf, isCsatLocale, ratingLabel, surveyMessageText } from './csat-texts';
import { signSurveyToken, verifySurveyToken } from './csat-token.util';

export const CSAT_SURVEY_QUEUE = 'csat-survey';
/** How long a sent survey takes answers. */
export const CSAT_WINDOW_SECONDS = 7 * 86400;
/** How long after the first answer the customer may change it. */
export const CSAT_CHANGE_SECONDS = 24 * 3600;
/** Channels whose customers can be asked (phone calls cannot carry a link or a button). */
const SURVEY_CHANNELS = new Set(['webchat', 'email', 'api', 'slack', 'telegram', 'whatsapp', 'messenger', 'instagram', 'x']);

export interface SurveyView {
  locale: CsatLocale;
  question: string;
  scale: CsatScale;
  rating: number | null;
  comment: string | null;
  /** open: takes answers; changeable: rated, may still change; closed: expired or past the change window. */
  state: 'open' | 'changeable' | 'closed';
}

/**
 * Customer satisfaction: on resolution (a conversation hook, in the resolving transaction) a
 * survey is filed and a durable job scheduled after the inbox's delay; the job posts the survey
 * into the conversation as an automatic outbound message, so it travels the customer's own channel
 * through the outbound service (never counted as a first response). The answer arrives with the
 * signed token, from the public page or the widget, once per conversation, changeable for 24 h.
 */
@Injectable()
export class CsatService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CsatService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly repo: CsatRepository,
    private readonly jobs: JobQueue,
    private readonly messages: MessageRepository,
    private readonly conversations: ConversationRepository,
    private readonly outbound: OutboundService,
    private readonly hooks: ConversationHooks,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // Last: after rules and SLA bookkeeping have had their say on the resolution.
    hooks.register(
      'csat',
      90,
      async ({ tx: hookTx }, e) => {
        if (e.type === 'conversation.resolved') await this.schedule(hookTx, e.conversationId);
      },
      ['conversation.resolved'],
      // An inbox that asks nobody (the caller knows the inbox): skipped before the savepoint.
      async (tx, e) => e.type === 'conversation.resolved' && (e.inboxId === undefined || Boolean((await this.settingsInTx(tx.em, e.inboxId))?.enabled)),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.define({ name: CSAT_SURVEY_QUEUE, retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: 60, notifyOnCommit: false });
    if (this.config.runWorkers) await this.jobs.work<{ surveyId: string }>(CSAT_SURVEY_QUEUE, (job) => this.send(job.data.surveyId), { concurrency: 2 });
  }

  private tokenKey(): string {
    return `csat:${this.config.jwtSecret}`;
  }

  tokenOf(surveyId: string): string {
    return signSurveyToken(this.tokenKey(), surveyId);
  }

  /**
   * An inbox's survey settings: from the process's cache when the transaction knows its settings
   * version (changes to csat_settings bump it), else once per transaction (the hook's check and the
   * scheduling share it). Callers only read the value.
   */
  private settingsInTx(em: EntityManager, inboxId: string): Promise<CsatSettings | null> {
    return settingsPerVersion(em, `csat_settings:${inboxId}`, () => this.repo.settingsOf(em, inboxId));
  }

  /** Files the survey of a resolved conversation when its inbox asks, and the job that sends it. */
  async schedule(tx: Pick<TxContext, 'em'>, conversationId: string): Promise<string | null> {
    const conv = await this.repo.conversationForSurvey(tx.em, conversationId);
    if (!conv || !SURVEY_CHANNELS.has(conv.channel)) return null;
    const settings = await this.settingsInTx(tx.em, conv.inboxId);
    if (!settings?.enabled) return null;
    if (settings.frequencyDays > 0 && (await this.repo.askedRecently(tx.em, conv.contactId, settings.frequencyDays))) return null;
    const locale = csatLocaleOf(conv.language, conv.contactLanguage);
    const question = settings.questions[locale]?.trim() || DEFAULT_QUESTIONS[locale];
    const surveyId = await this.repo.insertSurvey(tx.em, {
      conversationId,
      inboxId: conv.inboxId,
      contactId: conv.contactId,
      channel: conv.channel,
      locale,
      scale: settings.scale,
      question,
    });
    if (!surveyId) return null;
    await this.jobs.sendInTx(tx.em, CSAT_SURVEY_QUEUE, { surveyId }, { startAfter: settings.delaySeconds, singletonKey: surveyId });
    return surveyId;
  }

  /** The job: posts the survey unless the conversation was reopened meanwhile (then nobody is asked). */
  async send(surveyId: string): Promise<void> {
    await this.tx.run(async (tx) => {
      const survey = await this.repo.lockSurvey(tx.em, surveyId);
      if (!survey || survey.status !== 'scheduled') return;
      const conv = await this.conversations.summary(tx.em, survey.conversationId);
      if (!conv || conv.status !== 'resolved') {
        await this.repo.markSkipped(tx.em, surveyId);
        return;
      }
      const token = this.tokenOf(surveyId);
      const url = `${this.config.publicUrl}/csat/${token}`;
      const locale = survey.locale as CsatLocale;
      const messageId = (await this.messages.insert(tx.em, {
        conversationId: survey.conversationId,
        inboxId: survey.inboxId,
        direction: 'outbound',
        kind: 'message',
        authorType: 'system',
        authorId: null,
        text: surveyMessageText(survey.channel, locale, survey.question, url, survey.scale),
        html: null,
        externalId: null,
        status: 'queued',
        metadata: {
          automatic: true,
          csat: { surveyId, token, url, scale: survey.scale, locale, rating: null, comment: null, expiresAt: new Date(Date.now() + CSAT_WINDOW_SECONDS * 1000).toISOString() },
        },
      }))!;
      await this.outbound.enqueue(tx, messageId, survey.conversationId);
      await this.repo.markSent(tx.em, surveyId, messageId, CSAT_WINDOW_SECONDS);
      tx.emit({ type: 'message.created', conversationId: survey.conversationId, payload: (await this.messages.summary(tx.em, messageId))! });
      this.logger.log({ surveyId, conversationId: survey.conversationId, channel: survey.channel }, 'satisfaction survey sent');
    });
  }

  /** What the public page shows for a token (404 for a forged or unknown one). */
  async view(token: unknown): Promise<SurveyView> {
    const survey = await this.surveyOfToken(token);
    const response = await this.repo.responseOf(this.tx.manager, survey.conversationId);
    return {
      locale: survey.locale as CsatLocale,
      question: survey.question,
      scale: survey.scale,
      rating: response?.rating ?? null,
      comment: response?.comment ?? null,
      state: this.stateOf(survey.expiresAt, response),
    };
  }

  stateOf(expiresAt: Date | null, response: CsatResponseRow | null, now = Date.now()): SurveyView['state'] {
    if (!expiresAt || expiresAt.getTime() <= now) return 'closed';
    if (!response) return 'open';
    return now - response.firstRatedAt.getTime() < CSAT_CHANGE_SECONDS * 1000 ? 'changeable' : 'closed';
  }

  private async surveyOfToken(token: unknown) {
    const id = verifySurveyToken(this.tokenKey(), token);
    const survey = id ? await this.repo.lockSurvey(this.tx.manager, id) : null;
    if (!survey || survey.status !== 'sent') throw new DomainError('NOT_FOUND', 'this survey link is not valid');
    return survey;
  }

  /**
   * Records the customer's answer: one per conversation; a second answer within 24 hours of the
   * first replaces it; after that, or once the survey's window has passed, nothing changes.
   */
  async rate(token: unknown, ratingIn: unknown, commentIn: unknown): Promise<{ rating: number; updated: boolean }> {
    const id = verifySurveyToken(this.tokenKey(), token);
    if (!id) throw new DomainError('NOT_FOUND', 'this survey link is not valid');
    const rating = Number(ratingIn);
    const comment = typeof commentIn === 'string' && commentIn.trim() ? commentIn.trim().slice(0, 2000) : null;
    return this.tx.run(async (tx) => {
      const survey = await this.repo.lockSurvey(tx.em, id);
      if (!survey || survey.status !== 'sent') throw new DomainError('NOT_FOUND', 'this survey link is not valid');
      const valid = survey.scale === 'thumbs' ? rating === 1 || rating === 5 : Number.isInteger(rating) && rating >= 1 && rating <= 5;
      if (!valid)
        throw new DomainError('VALIDATION_FAILED', survey.scale === 'thumbs' ? 'rating must be 1 (thumbs down) or 5 (thumbs up)' : 'rating must be a whole number from 1 to 5', {
          fields: { rating: ['out of range'] },
        });
      const previous = await this.repo.responseOf(tx.em, survey.conversationId);
      if (this.stateOf(survey.expiresAt, previous) === 'closed')
        throw new DomainError('INVALID_STATE', previous ? 'this conversation was already rated and can no longer be changed' : 'this survey has closed');
      return this.record(tx, survey, rating, comment, previous);
    });
  }

  /**
   * Stores an answer the caller has checked (the survey locked and `sent`, the rating on its
   * scale, the survey still taking answers), in the caller's transaction: the page, the widget
   * and a chat reply all end here. The survey message carries the answer, an activity line tells
   * the timeline, `csat.received` goes live (`low` for 2 or less: the coordinators' alert), and
   * automation rules on `csat.received` run.
   */
  async record(tx: TxContext, survey: SurveyRow, rating: number, comment: string | null, previous: CsatResponseRow | null): Promise<{ rating: number; updated: boolean }> {
    const conv = (await this.conversations.summary(tx.em, survey.conversationId))!;
    const saved = await this.repo.upsertResponse(tx.em, {
      surveyId: survey.id,
      conversationId: survey.conversationId,
      inboxId: survey.inboxId,
      teamId: conv.teamId,
      agentId: conv.assigneeId,
      channel: survey.channel,
      scale: survey.scale,
      rating,
      comment,
    });
    if (survey.messageId) {
      await this.repo.setSurveyAnswer(tx.em, survey.messageId, rating, comment);
      const m = await this.messages.summary(tx.em, survey.messageId);
      if (m) tx.emit({ type: 'message.updated', conversationId: survey.conversationId, payload: m });
    }
    const label = ratingLabel(survey.scale, rating);
    const activityId = (await this.messages.insert(tx.em, {
      conversationId: survey.conversationId,
      inboxId: survey.inboxId,
      direction: 'inbound',
      kind: 'activity',
      authorType: 'system',
      authorId: null,
      text: `${previous ? 'Customer changed their rating' : 'Customer rated the conversation'}: ${label}${comment ? ` — “${comment}”` : ''}`,
      html: null,
      externalId: null,
      status: null,
      metadata: { activity: { code: previous ? 'csat_changed' : 'csat_received', params: { rating, scale: survey.scale, comment } } },
    }))!;
    tx.emit({ type: 'message.created', conversationId: survey.conversationId, payload: (await this.messages.summary(tx.em, activityId))! });
    tx.emit({
      type: 'csat.received',
      conversationId: survey.conversationId,
      payload: {
        conversationId: survey.conversationId,
        inboxId: survey.inboxId,
        teamId: conv.teamId,
        agentId: conv.assigneeId,
        rating,
        scale: survey.scale,
        comment,
        low: rating <= 2,
        updated: Boolean(previous),
        ratedAt: saved.ratedAt.toISOString(),
      },
    });
    await this.hooks.run(tx, { type: 'csat.received', conversationId: survey.conversationId, rating, comment, updated: Boolean(previous) }, 'customer');
    return { rating, updated: Boolean(previous) };
  }

  /** The rating shown in the conversation header (null: none yet), with the survey's state. */
  async ofConversation(conversationId: string) {
    const em = this.tx.manager;
    const [survey, response] = await Promise.all([this.repo.surveyOfConversation(em, conversationId), this.repo.responseOf(em, conversationId)]);
    return {
      survey: survey
        ? {
            status: survey.status,
            channel: survey.channel,
            locale: survey.locale,
            scale: survey.scale,
            sentAt: survey.sentAt?.toISOString() ?? null,
            expiresAt: survey.expiresAt?.toISOString() ?? null,
          }
        : null,
      rating: response
        ? { rating: response.rating, scale: response.scale, comment: response.comment, ratedAt: response.ratedAt.toISOString(), firstRatedAt: response.firstRatedAt.toISOString() }
        : null,
    };
  }

  async settings(inboxId: string): Promise<CsatSettings & { defaults: Record<CsatLocale, string> }> {
    const s = (await this.repo.settingsOf(this.tx.manager, inboxId)) ?? { inboxId, enabled: false, scale: 'stars' as const, questions: {}, delaySeconds: 0, frequencyDays: 0 };
    return { ...s, defaults: DEFAULT_QUESTIONS };
  }

  async saveSettings(inboxId: string, s: Omit<CsatSettings, 'inboxId'>): Promise<CsatSettings> {
    const questions = Object.fromEntries(
      Object.entries(s.questions)
        .filter(([l, q]) => isCsatLocale(l) && typeof q === 'string' && q.trim())
        .map(([l, q]) => [l, q!.trim().slice(0, 500)]),
    );
    return this.repo.saveSettings(this.tx.manager, { ...s, inboxId, questions });
  }
}
