import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  APP_CONFIG,
  AppConfig,
  ChannelAdapter,
  ConfiguredInbox,
  DomainError,
  InboxContext,
  MessageRepository,
  OutboundContext,
  PermanentSendError,
  SendResult,
  Transactions,
  surveyReplyOptions,
} from '@inbox/core';
import { ChannelEventsRepository } from '../channel-events/channel-events.repository';
import { TelegramApiClient, TelegramBot, TelegramCallError } from './telegram-api.client';
import { parseTelegramThreadKey } from './telegram-update.util';

export interface TelegramSettings {
  botId: number;
  botUsername: string | null;
  botName: string;
  /** Names the webhook URL (`/channels/telegram/<key>/webhook`); not a secret, the secret token is. */
  webhookKey: string;
}

export interface TelegramSecrets {
  botToken: string;
  /** Sent by Telegram in X-Telegram-Bot-Api-Secret-Token with every update. */
  secretToken: string;
}

/** Codes an agent reads on a failed reply (the web app translates them); the text after the colon is Telegram's. */
export const TELEGRAM_SEND_ERROR_CODES = ['TELEGRAM_BLOCKED', 'TELEGRAM_AUTH_FAILED', 'TELEGRAM_REJECTED'] as const;

/** The updates the bot subscribes to; everything else would only be ignored. */
export const TELEGRAM_ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'];
export const TELEGRAM_TEXT_LIMIT = 4096;
export const TELEGRAM_CAPTION_LIMIT = 1024;
/** sendPhoto takes up to 10 MB; larger images (and everything else) go as documents (up to 50 MB). */
const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
const BOT_TOKEN = /^\d{5,20}:[\w-]{30,100}$/;

const invalid = (field: string, message: string) => new DomainError('VALIDATION_FAILED', `${field}: ${message}`, { fields: { [field]: [message] } });

export function telegramWebhookUrl(publicUrl: string, webhookKey: string): string {
  return `${publicUrl}/api/v1/channels/telegram/${webhookKey}/webhook`;
}

/** Splits a reply at Telegram's text limit, on a line or word boundary when there is one. */
export function splitTelegramText(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    const at = cut > limit / 2 ? cut : limit;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^[\n ]/, '');
  }
  if (rest) parts.push(rest);
  return parts;
}

/**
 * A Telegram inbox is one bot. The server checks the token (getMe) and registers the bot's
 * webhook itself (setWebhook with a generated secret token); updates arrive at
 * TelegramWebhookController; replies go out with sendMessage / sendPhoto / sendDocument.
 */
@Injectable()
export class TelegramChannelAdapter implements ChannelAdapter {
  readonly kind = 'telegram' as const;
  private readonly logger = new Logger(TelegramChannelAdapter.name);

  constructor(
    private readonly telegram: TelegramApiClient,
    private readonly messages: MessageRepository,
    private readonly events: ChannelEventsRepository,
    private readonly tx: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const botToken = typeof input.botToken === 'string' ? input.botToken.trim() : input.botToken;
    if (typeof botToken !== 'string' || !BOT_TOKEN.test(botToken)) throw invalid('botToken', 'must be the token @BotFather gave the bot (123456789:AA...)');
    const bot = await this.testConnection(botToken);
    const webhookKey = randomUUID();
    const secretToken = randomBytes(32).toString('base64url');
    const url = telegramWebhookUrl(this.config.publicUrl, webhookKey);
    try {
      await this.telegram.call(botToken, 'setWebhook', { url, secret_token: secretToken, allowed_updates: TELEGRAM_ALLOWED_UPDATES, max_connections: 40 });
    } catch (err) {
      if (!(err instanceof TelegramCallError)) throw err;
      if (err.kind === 'auth') throw invalid('botToken', `Telegram refused the token (${err.detail})`);
      // "bad webhook: HTTPS url must be provided", an unreachable PUBLIC_URL...: the operator's to fix, not the form's.
      throw new DomainError('UPSTREAM_FAILED', `Telegram did not accept the webhook ${url}: ${err.detail}; PUBLIC_URL must be an https URL Telegram can reach`, {
        telegramError: err.kind,
      });
    }
    this.logger.log({ bot: bot.username }, 'Telegram webhook registered');
    const settings: TelegramSettings = { botId: bot.id, botUsername: bot.username, botName: bot.firstName, webhookKey };
    return { settings: settings as unknown as Record<string, unknown>, secrets: { botToken, secretToken } satisfies TelegramSecrets, revealOnce: {} };
  }

  /** getMe: a refused token is a 400 on botToken (fix it), an unreachable Bot API a 502 (try again). */
  async testConnection(botToken: string): Promise<TelegramBot> {
    try {
      return await this.telegram.getMe(botToken);
    } catch (err) {
      if (!(err instanceof TelegramCallError)) throw err;
      if (!err.retryable) throw invalid('botToken', `Telegram refused the token (${err.detail})`);
      throw new DomainError('UPSTREAM_FAILED', `could not check the bot token with the Telegram Bot API at ${this.telegram.baseUrl}: ${err.detail}; try again`, {
        telegramError: err.kind,
      });
    }
  }

  publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
    const s = settings as unknown as TelegramSettings;
    return {
      botId: s.botId ?? null,
      botUsername: s.botUsername ?? null,
      botName: s.botName ?? null,
      webhookUrl: s.webhookKey ? telegramWebhookUrl(this.config.publicUrl, s.webhookKey) : null,
    };
  }

  /** The bot stops sending updates here; a failure is logged, never a reason to keep the inbox. */
  async onRemove(inbox: InboxContext): Promise<void> {
    const secrets = inbox.secrets as unknown as TelegramSecrets;
    if (!secrets.botToken) return;
    await this.telegram
      .call(secrets.botToken, 'deleteWebhook', {})
      .catch((err) => this.logger.warn({ inboxId: inbox.id, reason: (err as Error).message }, 'Telegram deleteWebhook failed'));
  }

  async send(ctx: OutboundContext): Promise<SendResult> {
    const target = parseTelegramThreadKey(ctx.conversation.threadKey);
    if (!target) throw new PermanentSendError(`TELEGRAM_REJECTED: conversation thread ${ctx.conversation.threadKey} is not a Telegram chat`);
    const { botToken } = ctx.inbox.secrets as unknown as TelegramSecrets;
    if (!target.chatId.startsWith('-')) {
      // A private chat: the customer blocked the bot (my_chat_member). Telegram would answer 403 anyway.
      const blocked = await this.events.unreachable(this.tx.manager, 'telegram', target.chatId);
      if (blocked) throw new PermanentSendError(`TELEGRAM_BLOCKED: ${blocked.reason} (since ${blocked.at}); the reply can reach them once they unblock the bot or write again`);
    }
    const common: Record<string, unknown> = { chat_id: target.chatId, ...(target.topicId !== null ? { message_thread_id: target.topicId } : {}) };
    const replyTo = typeof ctx.message.metadata?.replyToExternalId === 'string' ? /^-?\d+:(\d+)$/.exec(ctx.message.metadata.replyToExternalId)?.[1] : undefined;
    const reply = replyTo ? { reply_parameters: { message_id: Number(replyTo), allow_sending_without_reply: true } } : {};
    const text = ctx.message.text.trim();
    const files = ctx.message.attachments;
    if (!text && files.length === 0) throw new PermanentSendError('TELEGRAM_REJECTED: nothing to send: the reply has no text');
    const ids: number[] = [];
    try {
      const captioned = files.length === 1 && text.length > 0 && text.length <= TELEGRAM_CAPTION_LIMIT;
      if (text && !captioned) {
        const parts = splitTelegramText(text);
        // A satisfaction survey: its answers as buttons under the last part. A press comes back as a
        // callback query whose text ("🔘 4") ingest reads as the rating, as it reads a typed "4".
        const options = surveyReplyOptions(ctx.message.metadata);
        const keyboard = options ? { reply_markup: { inline_keyboard: [options.map((o) => ({ text: o, callback_data: o }))] } } : {};
        for (const [i, part] of parts.entries()) {
          const sent = await this.telegram.call<{ message_id: number }>(botToken, 'sendMessage', {
            ...common,
            ...(i === 0 ? reply : {}),
            text: part,
            ...(i === parts.length - 1 ? keyboard : {}),
          });
          ids.push(sent.message_id);
        }
      }
      for (const a of files) {
        const stored = ctx.attachments.find((x) => x.id === a.id);
        if (!stored?.data) throw new PermanentSendError(`TELEGRAM_REJECTED: attachment ${a.fileName} has no stored content`);
        const asPhoto = /^image\/(jpeg|png|webp)$/.test(stored.contentType) && stored.data.length <= PHOTO_MAX_BYTES;
        const form = new FormData();
        for (const [k, v] of Object.entries({ ...common, ...(ids.length === 0 ? reply : {}) })) form.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
        if (captioned) form.set('caption', text);
        form.set(asPhoto ? 'photo' : 'document', new Blob([new Uint8Array(stored.data)], { type: stored.contentType }), stored.fileName);
        const sent = await this.telegram.call<{ message_id: number }>(botToken, asPhoto ? 'sendPhoto' : 'sendDocument', form);
        ids.push(sent.message_id);
      }
    } catch (err) {
      if (!(err instanceof TelegramCallError)) throw err;
      if (err.retryable) throw err;
      const code = err.kind === 'blocked' ? 'TELEGRAM_BLOCKED' : err.kind === 'auth' ? 'TELEGRAM_AUTH_FAILED' : 'TELEGRAM_REJECTED';
      throw new PermanentSendError(`${code}: ${err.detail}`);
    }
    // The first message names the reply: an edit or a reply to it by the customer finds it by this id.
    return { externalId: ids.length ? `${target.chatId}:${ids[0]}` : null };
  }
}
