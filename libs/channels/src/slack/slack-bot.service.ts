import { Injectable, Logger } from '@nestjs/common';
import type { MessageSummary } from '@inbox/realtime-contract';
import { ContactRepository, ConversationRepository, DomainError, InboxRepository, MessageRepository, Principal, SecretBox, Transactions, notFound } from '@inbox/core';
import { SlackApiClient, SlackCallError } from './slack-api.client';
import { SlackSecrets, SlackSettings } from './slack-channel.adapter';
import { slackExternalId, slackThreadKey } from './slack-event.util';
import { SlackRepository } from './slack.repository';

/** Slack errors that are the caller's fault: a 400 naming Slack's code, not a 502. */
const CALLER_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'thread_not_found',
  'invalid_thread_ts',
  'cannot_reply_to_message',
  'restricted_action',
]);

export interface BotSlackPost {
  channel: string;
  threadTs?: string;
  text: string;
}

/**
 * Bots post into a Slack channel or thread through an inbox. The post is synchronous
 * (the bot gets Slack's ts, which names the new thread) and then recorded as a sent
 * message of the thread's conversation; a thread the bot starts is owned by the bot.
 * The text is Slack mrkdwn as is (bots may link and mention); agents' replies are escaped.
 */
@Injectable()
export class SlackBotService {
  private readonly logger = new Logger(SlackBotService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly contacts: ContactRepository,
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly secretBox: SecretBox,
    private readonly slack: SlackApiClient,
    private readonly repo: SlackRepository,
  ) {}

  async post(
    p: Principal,
    inboxId: string,
    m: BotSlackPost,
  ): Promise<{ conversationId: string; conversationCreated: boolean; message: MessageSummary; channel: string; ts: string }> {
    if (p.type === 'inbox') throw new DomainError('FORBIDDEN', 'an inbox token can only push incoming messages');
    const inbox = await this.inboxes.withSecrets(this.tx.manager, inboxId);
    if (!inbox) throw notFound('inbox', inboxId);
    if (inbox.channel !== 'slack') throw new DomainError('CHANNEL_NOT_SUPPORTED', `inbox ${inboxId} is a ${inbox.channel} inbox, not a Slack inbox`);
    if (!inbox.active) throw new DomainError('INVALID_STATE', 'the inbox is inactive');
    const secrets = this.secretBox.open<SlackSecrets>(inbox.secrets!);
    const settings = inbox.settings as unknown as SlackSettings;

    let posted: { channel: string; ts: string };
    try {
      posted = await this.slack.postMessage({ token: secrets.botToken, apiUrl: settings.slackApiUrl ?? null }, { channel: m.channel, threadTs: m.threadTs ?? null, text: m.text });
    } catch (err) {
      if (!(err instanceof SlackCallError)) throw err;
      if (err.slackError === 'ratelimited')
        throw new DomainError('RATE_LIMITED', `Slack rate limited this workspace; retry after ${err.retryAfterSeconds ?? 1} s`, { retryAfterSeconds: err.retryAfterSeconds ?? 1 });
      if (CALLER_ERRORS.has(err.slackError)) throw new DomainError('VALIDATION_FAILED', `Slack refused the message: ${err.slackError}`, { slackError: err.slackError });
      throw new DomainError('UPSTREAM_FAILED', `Slack could not take the message: ${err.slackError}`, { slackError: err.slackError });
    }

    const threadKey = slackThreadKey(posted.channel, posted.ts, m.threadTs ?? null, null);
    const author = p.type === 'bot' ? { type: 'bot' as const, id: p.id } : { type: 'user' as const, id: p.id };
    const result = await this.tx.run(async ({ em, emit }) => {
      let conversationId = await this.repo.findOpenConversation(em, inboxId, threadKey);
      let created = false;
      if (!conversationId) {
        // Nobody wrote in this thread yet: the channel itself is the contact the thread is with.
        const { contactId, identityId } = await this.contacts.resolveIdentity(em, 'slack', posted.channel, { name: `Slack ${posted.channel}` });
        const opened = await this.repo.openBotConversation(em, { inboxId, contactId, identityId, threadKey, teamId: inbox.teamId, subject: m.text.split('\n')[0].slice(0, 120) });
        conversationId = opened.id;
        created = opened.created;
      }
      const messageId = (await this.messages.insert(em, {
        conversationId,
        inboxId,
        direction: 'outbound',
        kind: 'message',
        authorType: author.type,
        authorId: author.id,
        text: m.text,
        html: null,
        externalId: slackExternalId(posted.channel, posted.ts),
        status: 'sent',
        metadata: { slack: { channel: posted.channel, ts: posted.ts, threadTs: m.threadTs ?? null } },
      }))!;
      await this.messages.setDelivery(em, messageId, 'sent', {});
      const conversation = (await this.conversations.summary(em, conversationId))!;
      emit({ type: created ? 'conversation.created' : 'conversation.updated', conversationId, payload: conversation });
      const message = await this.messages.mustSummary(em, messageId);
      emit({ type: 'message.created', conversationId, payload: message });
      return { conversationId, conversationCreated: created, message };
    });
    this.logger.log({ inboxId, conversationId: result.conversationId, by: author }, 'posted to Slack for a bot');
    return { ...result, channel: posted.channel, ts: posted.ts };
  }
}
