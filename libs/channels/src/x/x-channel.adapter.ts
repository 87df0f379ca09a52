import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig, ChannelAdapter, ConfiguredInbox, DomainError, OutboundContext, PermanentSendError, SendResult } from '@inbox/core';
import { XApiClient, XCallError, XCredentials } from './x-api.client';

export interface XSettings {
  userId: string;
  username: string | null;
  /** Names the webhook URL (`/channels/x/<key>/webhook`). */
  webhookKey: string;
}

export type XSecrets = XCredentials;

/** Codes an agent reads on a failed reply (the web app translates them); the text after the colon is X's. */
export const X_SEND_ERROR_CODES = ['X_AUTH_FAILED', 'X_REJECTED'] as const;
export const X_TEXT_LIMIT = 10_000;

const invalid = (field: string, message: string) => new DomainError('VALIDATION_FAILED', `${field}: ${message}`, { fields: { [field]: [message] } });
const KEY = /^[\w\-.~]{10,200}$/;

export function xWebhookUrl(publicUrl: string, webhookKey: string): string {
  return `${publicUrl}/api/v1/channels/x/${webhookKey}/webhook`;
}

/**
 * An X inbox is one account's direct messages through the Account Activity API: X calls the
 * webhook (CRC check, then signed events); replies go to POST /2/dm_conversations/with/:id/messages,
 * signed with OAuth 1.0a user context.
 */
@Injectable()
export class XChannelAdapter implements ChannelAdapter {
  readonly kind = 'x' as const;

  constructor(
    private readonly x: XApiClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const str = (field: string, pattern: RegExp, message: string) => {
      const v = input[field];
      if (typeof v !== 'string' || !pattern.test(v.trim())) throw invalid(field, message);
      return v.trim();
    };
    const consumerKey = str('consumerKey', KEY, 'must be the API key of the X app (Keys and tokens)');
    const consumerSecret = str('consumerSecret', KEY, 'must be the API key secret of the X app');
    const accessToken = str('accessToken', /^\d{1,25}-[\w-]{10,200}$/, "must be the account's access token (digits-…)");
    const accessTokenSecret = str('accessTokenSecret', KEY, "must be the account's access token secret");
    const userId = str('userId', /^\d{1,25}$/, "must be the account's numeric user id");
    const me = await this.testConnection({ consumerKey, consumerSecret, accessToken, accessTokenSecret });
    if (me.id !== userId) throw invalid('userId', `the access token belongs to account ${me.id}${me.username ? ` (@${me.username})` : ''}, not ${userId}`);
    const settings: XSettings = { userId, username: me.username, webhookKey: randomUUID() };
    return {
      settings: settings as unknown as Record<string, unknown>,
      secrets: { consumerKey, consumerSecret, accessToken, accessTokenSecret } satisfies XSecrets,
      revealOnce: {},
    };
  }

  /** GET /2/users/me: refused credentials are a 400 on accessToken (fix them), an unreachable API a 502 (try again). */
  async testConnection(c: XCredentials): Promise<{ id: string; username: string | null; name: string | null }> {
    try {
      return await this.x.me(c);
    } catch (err) {
      if (!(err instanceof XCallError)) throw err;
      if (!err.retryable) throw invalid('accessToken', `X refused the credentials (${err.detail})`);
      throw new DomainError('UPSTREAM_FAILED', `could not check the credentials with the X API at ${this.x.baseUrl}: ${err.detail}; try again`, { xError: err.kind });
    }
  }

  publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
    const s = settings as unknown as XSettings;
    return { userId: s.userId ?? null, username: s.username ?? null, webhookUrl: s.webhookKey ? xWebhookUrl(this.config.publicUrl, s.webhookKey) : null };
  }

  async send(ctx: OutboundContext): Promise<SendResult> {
    const text = ctx.message.text.trim();
    // Media replies need X's chunked media upload first: not supported yet, said plainly rather than dropped.
    if (ctx.message.attachments.length) throw new PermanentSendError('X_REJECTED: attachments cannot be sent to X direct messages yet; send the text alone');
    if (!text) throw new PermanentSendError('X_REJECTED: nothing to send: the reply has no text');
    if (text.length > X_TEXT_LIMIT) throw new PermanentSendError(`X_REJECTED: the reply is longer than X's ${X_TEXT_LIMIT} characters`);
    try {
      const sent = await this.x.sendDirectMessage(ctx.inbox.secrets as unknown as XSecrets, ctx.recipient, text);
      // The DM event id: the webhook's echo of this message carries it, and is then a no-op.
      return { externalId: sent.dmEventId };
    } catch (err) {
      if (!(err instanceof XCallError) || err.retryable) throw err;
      throw new PermanentSendError(`${err.kind === 'auth' ? 'X_AUTH_FAILED' : 'X_REJECTED'}: ${err.detail}`);
    }
  }
}
