import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  APP_CONFIG,
  AppConfig,
  ChannelAdapter,
  ConfiguredInbox,
  DomainError,
  OutboundContext,
  PermanentSendError,
  SendResult,
  hashToken,
  hmacSha256Hex,
  newToken,
} from '@inbox/core';

export const SIGNATURE_HEADER = 'x-inbox-signature';

/**
 * The API channel: integrations and bots push customer messages with the inbox
 * token, and receive agents' replies as signed JSON POSTs to their webhook URL.
 */
@Injectable()
export class ApiChannelAdapter implements ChannelAdapter {
  readonly kind = 'api' as const;
  private readonly logger = new Logger(ApiChannelAdapter.name);

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const webhookUrl = input.webhookUrl;
    if (webhookUrl !== undefined && webhookUrl !== null) {
      if (typeof webhookUrl !== 'string' || !isHttpUrl(webhookUrl)) {
        throw new DomainError('VALIDATION_FAILED', 'webhookUrl must be an http(s) URL', { fields: { webhookUrl: ['must be an http(s) URL'] } });
      }
    }
    const token = newToken('inb');
    const webhookSecret = newToken('whsec');
    return {
      settings: { webhookUrl: webhookUrl ?? null },
      secrets: { webhookSecret },
      revealOnce: { token, webhookSecret },
      tokenHash: hashToken(token),
    };
  }

  publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
    return { webhookUrl: settings.webhookUrl ?? null };
  }

  async send(ctx: OutboundContext): Promise<SendResult> {
    const url = ctx.inbox.settings.webhookUrl as string | null;
    // Without a webhook the integration reads replies through the REST API: stored is delivered.
    if (!url) return {};
    const body = JSON.stringify({
      event: 'message.created',
      timestamp: Math.floor(Date.now() / 1000),
      inboxId: ctx.inbox.id,
      conversationId: ctx.conversation.id,
      threadKey: ctx.conversation.threadKey,
      contact: { id: ctx.conversation.contactId, identifier: ctx.recipient },
      message: {
        id: ctx.message.id,
        text: ctx.message.text,
        html: ctx.message.html,
        attachments: ctx.message.attachments.map((a) => ({ ...a, url: `${this.config.publicUrl}${a.url}` })),
        createdAt: ctx.message.createdAt,
      },
      author: ctx.author,
    });
    const secret = String(ctx.inbox.secrets.webhookSecret ?? '');
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'omnichannel-inbox-webhook/1',
          [SIGNATURE_HEADER]: `sha256=${hmacSha256Hex(secret, body)}`,
          'x-inbox-event': 'message.created',
          'x-inbox-delivery': ctx.message.id,
        },
        body,
        signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw new Error(`webhook ${url} unreachable: ${(err as Error).cause ? String(((err as Error).cause as Error).message ?? (err as Error).cause) : (err as Error).message}`);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return {};
    const reason = `webhook answered HTTP ${res.status}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new Error(reason);
    throw new PermanentSendError(reason);
  }
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
