import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { APP_CONFIG, AppConfig } from '@inbox/core';

export type XErrorKind = 'network' | 'rate_limited' | 'server' | 'auth' | 'rejected';

export interface XCredentials {
  consumerKey: string;
  consumerSecret: string;
  accessToken: string;
  accessTokenSecret: string;
}

/** A failed X API call, reduced to what callers decide on. */
export class XCallError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly operation: string,
    readonly kind: XErrorKind,
    readonly detail: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(`X ${operation} failed: ${detail}${retryAfterSeconds !== null ? ` (retry after ${retryAfterSeconds} s)` : ''}`);
    this.name = 'XCallError';
    this.retryable = kind === 'network' || kind === 'rate_limited' || kind === 'server';
  }
}

/**
 * Classifies an X API v2 error answer (problem+json `{title, detail, type}` or `{errors:[{message}]}`)
 * and its rate-limit headers (pure, unit-tested). `now` in epoch seconds.
 */
export function classifyXError(
  status: number,
  body: unknown,
  headers: { reset?: string | null; retryAfter?: string | null },
  now: number,
): { kind: XErrorKind; detail: string; retryAfterSeconds: number | null } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { title?: unknown; detail?: unknown; errors?: Array<{ message?: unknown }> };
  const detail =
    [typeof b.title === 'string' ? b.title : null, typeof b.detail === 'string' ? b.detail : typeof b.errors?.[0]?.message === 'string' ? b.errors[0].message : null]
      .filter(Boolean)
      .join(': ') || `HTTP ${status}`;
  if (status === 429) {
    const reset = Number(headers.reset);
    const after = Number(headers.retryAfter);
    const wait = Number.isFinite(after) && after >= 0 ? after : Number.isFinite(reset) && reset > 0 ? Math.max(1, reset - now) : 60;
    return { kind: 'rate_limited', detail, retryAfterSeconds: Math.ceil(wait) };
  }
  if (status === 401) return { kind: 'auth', detail, retryAfterSeconds: null };
  if (status >= 500) return { kind: 'server', detail, retryAfterSeconds: null };
  return { kind: 'rejected', detail, retryAfterSeconds: null };
}

/** Hosts X serves DM media from; a URL in a webhook must not make us fetch (and sign for) anything else. */
function isXMediaHost(url: URL, apiOrigin: string): boolean {
  if (url.origin === apiOrigin) return true;
  if (url.protocol !== 'https:') return false;
  return ['twitter.com', 'x.com', 'twimg.com'].some((d) => url.hostname === d || url.hostname.endsWith(`.${d}`));
}

const MAX_IN_PROCESS_WAIT_MS = 10_000;

/**
 * The one door to the X API (`X_API_URL`), every call signed with OAuth 1.0a user context by
 * the `oauth-1.0a` library (HMAC-SHA1 over method, URL and query; a JSON body is not part of
 * the signature base string, as OAuth 1.0a specifies). No retries beyond one short
 * rate-limit wait: the durable jobs retry.
 */
@Injectable()
export class XApiClient {
  private readonly logger = new Logger(XApiClient.name);

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get baseUrl(): string {
    return this.config.xApiUrl;
  }

  /** The Authorization header for one request (exported for tests of the wire format). */
  authorization(c: XCredentials, method: string, url: string): string {
    const oauth = new OAuth({
      consumer: { key: c.consumerKey, secret: c.consumerSecret },
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
    });
    return oauth.toHeader(oauth.authorize({ url, method }, { key: c.accessToken, secret: c.accessTokenSecret })).Authorization;
  }

  async me(c: XCredentials): Promise<{ id: string; username: string | null; name: string | null }> {
    const r = await this.call<{ data?: { id?: string; username?: string; name?: string } }>(c, 'account check', 'GET', '/2/users/me');
    if (!r.data?.id) throw new XCallError('account check', 'server', 'the answer has no user id');
    return { id: r.data.id, username: r.data.username ?? null, name: r.data.name ?? null };
  }

  async sendDirectMessage(c: XCredentials, participantId: string, text: string): Promise<{ dmEventId: string | null; dmConversationId: string | null }> {
    const r = await this.call<{ data?: { dm_event_id?: string; dm_conversation_id?: string } }>(
      c,
      'direct message send',
      'POST',
      `/2/dm_conversations/with/${encodeURIComponent(participantId)}/messages`,
      { text },
    );
    return { dmEventId: r.data?.dm_event_id ?? null, dmConversationId: r.data?.dm_conversation_id ?? null };
  }

  async call<T>(c: XCredentials, operation: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    try {
      return await this.once<T>(c, operation, method, path, body);
    } catch (err) {
      if (err instanceof XCallError && err.kind === 'rate_limited' && (err.retryAfterSeconds ?? 0) * 1000 <= MAX_IN_PROCESS_WAIT_MS) {
        await new Promise((r) => setTimeout(r, (err.retryAfterSeconds ?? 1) * 1000));
        return this.once<T>(c, operation, method, path, body);
      }
      throw err;
    }
  }

  /** Downloads DM media, signed (X serves DM media only to the conversation's participants), never more than `maxBytes`. */
  async download(c: XCredentials, url: string, maxBytes: number): Promise<{ data: Buffer; contentType: string | null }> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new XCallError('media download', 'rejected', 'not a URL');
    }
    if (!isXMediaHost(u, new URL(this.baseUrl).origin)) throw new XCallError('media download', 'rejected', `host ${u.host} is not an X media host`);
    let res: Response;
    try {
      res = await fetch(u, { headers: { authorization: this.authorization(c, 'GET', u.toString()) }, signal: AbortSignal.timeout(this.config.webhookTimeoutMs * 3) });
    } catch (err) {
      throw new XCallError('media download', 'network', `unreachable (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name})`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new XCallError('media download', res.status === 429 ? 'rate_limited' : res.status >= 500 ? 'server' : 'rejected', `HTTP ${res.status}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) throw new XCallError('media download', 'rejected', `file is over the ${maxBytes} byte limit`);
      chunks.push(Buffer.from(chunk));
    }
    return { data: Buffer.concat(chunks), contentType: res.headers.get('content-type') };
  }

  private async once<T>(c: XCredentials, operation: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { authorization: this.authorization(c, method, url) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.config.webhookTimeoutMs) });
    } catch (err) {
      throw new XCallError(operation, 'network', `could not reach ${new URL(this.baseUrl).origin} (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name})`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.ok && parsed !== null) return parsed as T;
    if (res.ok) throw new XCallError(operation, 'server', 'the answer is not JSON');
    const e = classifyXError(res.status, parsed, { reset: res.headers.get('x-rate-limit-reset'), retryAfter: res.headers.get('retry-after') }, Math.floor(Date.now() / 1000));
    if (e.kind === 'rate_limited') this.logger.warn({ operation, retryAfter: e.retryAfterSeconds }, 'X rate limited us');
    throw new XCallError(operation, e.kind, e.detail, e.retryAfterSeconds);
  }
}
