import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { fetch, type Agent } from 'undici';
import {
  APP_CONFIG,
  AppConfig,
  ChannelAdapter,
  ConfiguredInbox,
  DomainError,
  OutboundContext,
  PermanentSendError,
  OutboundPolicy,
  SendResult,
  assertOutboundHosts,
  hashToken,
  hmacSha256Hex,
  isOutboundRefusal,
  newToken,
  outboundDispatcher,
} from '@inbox/core';

export const SIGNATURE_HEADER = 'x-inbox-signature';

/**
 * The API channel: integrations and bots push customer messages with the inbox
 * token, and receive agents' replies as signed JSON POSTs to their webhook URL.
 */
@Injectable()
export class ApiChannelAdapter implements ChannelAdapter, OnModuleDestroy {
  readonly kind = 'api' as const;
  private readonly logger = new Logger(ApiChannelAdapter.name);
  private readonly policy: OutboundPolicy;
  /** Every webhook connection goes through the outbound address policy, to the address it checked. */
  private readonly dispatcher: Agent;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.policy = { allowPrivate: config.outboundAllowPrivate };
    this.dispatcher = outboundDispatcher(this.policy, { connectTimeoutMs: config.webhookTimeoutMs });
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.destroy().catch(() => undefined);
  }

  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const webhookUrl = input.webhookUrl;
    if (webhookUrl !== undefined && webhookUrl !== null) {
      if (typeof webhookUrl !== 'string' || !isHttpUrl(webhookUrl)) {
        throw new DomainError('VALIDATION_FAILED', 'webhookUrl must be an http(s) URL', { fields: { webhookUrl: ['must be an http(s) URL'] } });
      }
      await assertOutboundHosts({ webhookUrl: new URL(webhookUrl).hostname }, this.policy);
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
        // A satisfaction survey: the integration shows the question and sends the customer to the rating page.
        ...(surveyOf(ctx.message.metadata) ? { survey: surveyOf(ctx.message.metadata) } : {}),
      },
      author: ctx.author,
    });
    const secret = String(ctx.inbox.secrets.webhookSecret ?? '');
    let res: Awaited<ReturnType<typeof fetch>>;
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
        dispatcher: this.dispatcher,
        // Not followed: a redirect is where an allowed host would hand us an internal one.
        redirect: 'manual',
      });
    } catch (err) {
      const failure = webhookFailure(err);
      this.logger.warn({ messageId: ctx.message.id, inboxId: ctx.inbox.id, err: (err as Error).message, cause: String((err as Error).cause ?? '') }, failure.reason);
      if (failure.permanent) throw new PermanentSendError(failure.reason);
      throw new Error(failure.reason);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return {};
    if (res.status >= 300 && res.status < 400) throw new PermanentSendError(`webhook answered a redirect (HTTP ${res.status}); redirects are not followed`);
    const reason = `webhook answered HTTP ${res.status}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new Error(reason);
    throw new PermanentSendError(reason);
  }
}

/**
 * What a failed webhook call tells the agent: what failed, never the URL (it may carry
 * credentials) nor the peer's text. A refused address fails for good without retries.
 */
export function webhookFailure(err: unknown): { permanent: boolean; reason: string } {
  if (isOutboundRefusal(err)) return { permanent: true, reason: 'webhook address refused by outbound policy' };
  const codes: string[] = [];
  const names: string[] = [];
  for (let e = err as { cause?: unknown; code?: unknown; name?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.name === 'string') names.push(e.name);
  }
  const has = (...c: string[]) => codes.some((x) => c.includes(x));
  if (names.includes('TimeoutError') || names.includes('AbortError') || has('UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT')) {
    return { permanent: false, reason: 'webhook timed out' };
  }
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA')) return { permanent: false, reason: 'webhook host not found' };
  if (has('ECONNREFUSED')) return { permanent: false, reason: 'webhook connection refused' };
  if (has('EHOSTUNREACH', 'ENETUNREACH')) return { permanent: false, reason: 'webhook host unreachable' };
  if (codes.some((c) => c.startsWith('ERR_TLS') || c.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|DEPTH_ZERO/.test(c))) return { permanent: false, reason: 'webhook TLS failed' };
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED')) return { permanent: false, reason: 'webhook connection closed' };
  return { permanent: false, reason: 'webhook request failed' };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function surveyOf(metadata: Record<string, unknown> | undefined): { url: string; scale: string; locale: string } | null {
  const c = metadata?.csat as { url?: unknown; scale?: unknown; locale?: unknown } | undefined;
  return c && typeof c.url === 'string' ? { url: c.url, scale: String(c.scale), locale: String(c.locale) } : null;
}
