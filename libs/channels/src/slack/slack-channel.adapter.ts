import { Injectable, Logger } from '@nestjs/common';
import { ChannelAdapter, ConfiguredInbox, DomainError, OutboundContext, PermanentSendError, SendResult } from '@inbox/core';
import { SlackApiClient, SlackCallError } from './slack-api.client';
import { isSlackChannelId, parseSlackThreadKey, slackEscape, slackExternalId } from './slack-event.util';

export interface SlackSettings {
  channels: string[];
  teamId: string | null;
  team: string | null;
  botUserId: string | null;
  botId: string | null;
  slackApiUrl?: string | null;
}

export interface SlackSecrets {
  botToken: string;
  signingSecret: string;
}

const invalid = (field: string, message: string) => new DomainError('VALIDATION_FAILED', `${field}: ${message}`, { fields: { [field]: [message] } });

/**
 * A Slack inbox is one workspace installation of the support app. Customers' messages
 * arrive through the Events API (SlackEventsController); replies go back into the
 * Slack thread with chat.postMessage.
 */
@Injectable()
export class SlackChannelAdapter implements ChannelAdapter {
  readonly kind = 'slack' as const;
  private readonly logger = new Logger(SlackChannelAdapter.name);

  constructor(private readonly slack: SlackApiClient) {}

  /** auth.test at creation: a wrong token is a 400 now, not silent failures later, and it names our bot (loop guard). */
  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const { botToken, signingSecret, channels, slackApiUrl } = input;
    if (typeof botToken !== 'string' || !/^xoxb-[\w-]+$/.test(botToken)) throw invalid('botToken', 'must be the bot token of the Slack app (xoxb-...)');
    if (typeof signingSecret !== 'string' || !/^[0-9a-zA-Z]{16,128}$/.test(signingSecret))
      throw invalid('signingSecret', 'must be the signing secret of the Slack app (Basic Information → App Credentials)');
    if (channels !== undefined && (!Array.isArray(channels) || channels.some((c) => typeof c !== 'string' || !isSlackChannelId(c)))) {
      throw invalid('channels', 'must be Slack channel ids such as C0123ABCD');
    }
    if (slackApiUrl !== undefined && slackApiUrl !== null && (typeof slackApiUrl !== 'string' || !/^https?:\/\/\S+$/.test(slackApiUrl)))
      throw invalid('slackApiUrl', 'must be an http(s) URL');
    const apiUrl = (slackApiUrl as string | undefined) ?? null;
    let auth;
    try {
      auth = await this.slack.authTest({ token: botToken, apiUrl });
    } catch (err) {
      if (err instanceof SlackCallError && err.retryable) {
        throw new DomainError('UPSTREAM_FAILED', `could not check the bot token with Slack at ${this.slack.baseUrl({ token: botToken, apiUrl })}: ${err.slackError}; try again`);
      }
      if (err instanceof SlackCallError) {
        throw new DomainError('VALIDATION_FAILED', `botToken: Slack refused it (${err.slackError})`, { fields: { botToken: [`Slack auth.test answered ${err.slackError}`] } });
      }
      throw err;
    }
    const settings: SlackSettings = {
      channels: [...new Set((channels as string[] | undefined) ?? [])],
      teamId: auth.teamId,
      team: auth.team,
      botUserId: auth.botUserId,
      botId: auth.botId,
      ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    };
    return { settings: settings as unknown as Record<string, unknown>, secrets: { botToken, signingSecret } satisfies SlackSecrets, revealOnce: {} };
  }

  publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
    const s = settings as unknown as SlackSettings;
    return { channels: s.channels ?? [], teamId: s.teamId ?? null, team: s.team ?? null, botUserId: s.botUserId ?? null };
  }

  async send(ctx: OutboundContext): Promise<SendResult> {
    const target = parseSlackThreadKey(ctx.conversation.threadKey);
    if (!target) throw new PermanentSendError(`conversation thread ${ctx.conversation.threadKey} is not a Slack thread`);
    const secrets = ctx.inbox.secrets as unknown as SlackSecrets;
    const text = ctx.message.text.trim() || (ctx.message.attachments.length ? ctx.message.attachments.map((a) => a.fileName).join(', ') : '');
    if (!text) throw new PermanentSendError('nothing to send: the reply has no text');
    try {
      const posted = await this.slack.postMessage(
        { token: secrets.botToken, apiUrl: (ctx.inbox.settings as unknown as SlackSettings).slackApiUrl ?? null },
        { channel: target.channel, threadTs: target.threadTs, text: slackEscape(text) },
      );
      // channel:ts, the id our own echo event would be ingested under: a redelivered echo is a no-op too.
      return { externalId: slackExternalId(posted.channel, posted.ts) };
    } catch (err) {
      if (err instanceof SlackCallError && !err.retryable) throw new PermanentSendError(err.message);
      throw err;
    }
  }
}
