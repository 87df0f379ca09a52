import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@inbox/core';

export type TelegramErrorKind = 'network' | 'rate_limited' | 'server' | 'auth' | 'blocked' | 'rejected';

/** A failed Bot API call, reduced to what callers decide on. */
export class TelegramCallError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly method: string,
    readonly kind: TelegramErrorKind,
    /** Telegram's `description` ("Forbidden: bot was blocked by the user"), or what failed on our side. */
    readonly detail: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(`Telegram ${method} failed: ${detail}${retryAfterSeconds !== null ? ` (retry after ${retryAfterSeconds} s)` : ''}`);
    this.name = 'TelegramCallError';
    this.retryable = kind === 'network' || kind === 'rate_limited' || kind === 'server';
  }
}

/** Classifies Telegram's `{ok:false, error_code, description, parameters:{retry_after}}` answer (pure, unit-tested). */
export function classifyTelegramError(status: number, body: unknown): { kind: TelegramErrorKind; detail: string; retryAfterSeconds: number | null } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { error_code?: unknown; description?: unknown; parameters?: { retry_after?: unknown } };
  const code = typeof b.error_code === 'number' ? b.error_code : status;
  const detail = typeof b.description === 'string' && b.description ? b.description : `HTTP ${status}`;
  const retryAfter = typeof b.parameters?.retry_after === 'number' ? b.parameters.retry_after : null;
  if (code === 429) return { kind: 'rate_limited', detail, retryAfterSeconds: retryAfter ?? 1 };
  // 401 Unauthorized (wrong token) and 404 Not Found (the token's bot does not exist) both mean the token.
  if (code === 401 || (code === 404 && /not found/i.test(detail) && !/chat|message/i.test(detail))) return { kind: 'auth', detail, retryAfterSeconds: null };
  if (code === 403) return { kind: 'blocked', detail, retryAfterSeconds: null };
  if (code >= 500) return { kind: 'server', detail, retryAfterSeconds: null };
  return { kind: 'rejected', detail, retryAfterSeconds: null };
}

export interface TelegramBot {
  id: number;
  username: string | null;
  firstName: string;
  canJoinGroups: boolean;
  canReadAllGroupMessages: boolean;
}

/** The longest retry_after we sit out inside one attempt; longer waits go back to the job's backoff. */
const MAX_IN_PROCESS_WAIT_MS = 10_000;

/**
 * The one door to the Telegram Bot API (`TELEGRAM_API_URL/bot<token>/<method>`). A 429 closes
 * the bot's gate until `retry_after`: the next call waits (when short) instead of hammering.
 * No retries of its own beyond that: the durable jobs retry, using `retryable`.
 */
@Injectable()
export class TelegramApiClient {
  private readonly logger = new Logger(TelegramApiClient.name);
  private readonly gates = new Map<string, number>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get baseUrl(): string {
    return this.config.telegramApiUrl;
  }

  async getMe(token: string): Promise<TelegramBot> {
    const r = await this.call<Record<string, any>>(token, 'getMe', {});
    return {
      id: r.id,
      username: r.username ?? null,
      firstName: r.first_name ?? '',
      canJoinGroups: r.can_join_groups === true,
      canReadAllGroupMessages: r.can_read_all_group_messages === true,
    };
  }

  async call<T = any>(token: string, method: string, params: Record<string, unknown> | FormData): Promise<T> {
    await this.waitForGate(token, method);
    try {
      return await this.once<T>(token, method, params);
    } catch (err) {
      // A short retry_after is honoured here, once; a long one is the job's backoff.
      if (err instanceof TelegramCallError && err.kind === 'rate_limited' && (err.retryAfterSeconds ?? 0) * 1000 <= MAX_IN_PROCESS_WAIT_MS) {
        await this.waitForGate(token, method);
        return this.once<T>(token, method, params);
      }
      throw err;
    }
  }

  /** Downloads a file found by getFile (`/file/bot<token>/<file_path>`), never more than `maxBytes`. */
  async download(token: string, filePath: string, maxBytes: number): Promise<{ data: Buffer; contentType: string | null }> {
    const url = `${this.baseUrl}/file/bot${token}/${filePath.split('/').map(encodeURIComponent).join('/')}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.config.webhookTimeoutMs * 3) });
    } catch (err) {
      throw new TelegramCallError(
        'file download',
        'network',
        `could not reach ${new URL(this.baseUrl).origin} (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message})`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new TelegramCallError('file download', res.status === 429 ? 'rate_limited' : res.status >= 500 ? 'server' : 'rejected', `HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new TelegramCallError('file download', 'rejected', `file is ${declared} bytes, over the ${maxBytes} byte limit`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) throw new TelegramCallError('file download', 'rejected', `file is over the ${maxBytes} byte limit`);
      chunks.push(Buffer.from(chunk));
    }
    return { data: Buffer.concat(chunks), contentType: res.headers.get('content-type') };
  }

  private async once<T>(token: string, method: string, params: Record<string, unknown> | FormData): Promise<T> {
    const url = `${this.baseUrl}/bot${token}/${method}`;
    const init: RequestInit =
      params instanceof FormData ? { method: 'POST', body: params } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) };
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.config.webhookTimeoutMs) });
    } catch (err) {
      // Never the URL in the message: it carries the token.
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new TelegramCallError(method, 'network', `could not reach ${new URL(this.baseUrl).origin} (${cause ?? (err as Error).name})`);
    }
    const text = await res.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (res.ok && body?.ok === true) return body.result as T;
    if (res.ok) throw new TelegramCallError(method, 'server', 'the answer is not a Bot API result');
    const c = classifyTelegramError(res.status, body);
    if (c.kind === 'rate_limited') {
      this.gates.set(token, Date.now() + (c.retryAfterSeconds ?? 1) * 1000);
      this.logger.warn({ method, retryAfter: c.retryAfterSeconds }, 'Telegram rate limited the bot');
    }
    throw new TelegramCallError(method, c.kind, c.detail, c.retryAfterSeconds);
  }

  private async waitForGate(token: string, method: string): Promise<void> {
    const until = this.gates.get(token) ?? 0;
    const wait = until - Date.now();
    if (wait <= 0) return;
    if (wait > MAX_IN_PROCESS_WAIT_MS) throw new TelegramCallError(method, 'rate_limited', 'Too Many Requests: the bot is still rate limited', Math.ceil(wait / 1000));
    await new Promise((r) => setTimeout(r, wait));
  }
}
