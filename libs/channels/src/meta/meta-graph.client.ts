import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@inbox/core';

export type GraphErrorKind = 'network' | 'rate_limited' | 'server' | 'auth' | 'window_closed' | 'rejected';

/** Rate limits: app/user/page call limits, WhatsApp throughput and pair rate (one customer too often). */
const RATE_CODES = new Set([4, 17, 32, 613, 80007, 130429, 131056]);
/** Meta's own trouble: "unknown error", "service temporarily unavailable", WhatsApp "something went wrong". */
const SERVER_CODES = new Set([1, 2, 131000, 131016]);
/** Messenger/Instagram subcodes for "sent outside the allowed window". */
const WINDOW_SUBCODES = new Set([2018278, 2018108, 2534022]);

/** A failed Graph call, reduced to what callers decide on. */
export class GraphCallError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly operation: string,
    readonly kind: GraphErrorKind,
    readonly detail: string,
    readonly graph: { status: number | null; code: number | null; subcode: number | null } = { status: null, code: null, subcode: null },
  ) {
    super(`${operation} failed: ${detail}`);
    this.name = 'GraphCallError';
    this.retryable = kind === 'network' || kind === 'rate_limited' || kind === 'server';
  }
}

/** Classifies Graph's `{error: {code, error_subcode, message, error_data}}` answer (pure, unit-tested). */
export function classifyGraphError(status: number, body: unknown): { kind: GraphErrorKind; code: number | null; subcode: number | null; detail: string } {
  const e = (typeof body === 'object' && body !== null ? (body as { error?: Record<string, any> }).error : undefined) ?? {};
  const code = typeof e.code === 'number' ? e.code : null;
  const subcode = typeof e.error_subcode === 'number' ? e.error_subcode : null;
  const details = typeof e.error_data?.details === 'string' ? e.error_data.details : null;
  const message = [e.message ?? `HTTP ${status}`, details && details !== e.message ? details : null].filter(Boolean).join(': ');
  const detail = code !== null && !message.startsWith(`(#${code})`) ? `(#${code}${subcode ? `/${subcode}` : ''}) ${message}` : message;
  let kind: GraphErrorKind = 'rejected';
  if (code === 131047 || (code === 10 && subcode !== null && WINDOW_SUBCODES.has(subcode)) || (subcode !== null && WINDOW_SUBCODES.has(subcode))) kind = 'window_closed';
  else if (status === 429 || (code !== null && RATE_CODES.has(code))) kind = 'rate_limited';
  else if (code === 190 || code === 102 || status === 401) kind = 'auth';
  else if (status >= 500 || (code !== null && SERVER_CODES.has(code)) || e.is_transient === true) kind = 'server';
  return { kind, code, subcode, detail };
}

/** Hosts Meta serves media from; a URL in a webhook must not make us fetch anything else. */
function isMetaMediaHost(url: URL, graphOrigin: string): boolean {
  if (url.origin === graphOrigin) return true;
  if (url.protocol !== 'https:') return false;
  return ['fbcdn.net', 'fbsbx.com', 'whatsapp.net', 'facebook.com', 'cdninstagram.com', 'instagram.com'].some((d) => url.hostname === d || url.hostname.endsWith(`.${d}`));
}

/**
 * The one door to Meta's Graph API (base URL with its version from META_GRAPH_URL).
 * No retries here: the durable jobs retry, using `retryable`.
 */
@Injectable()
export class MetaGraphClient {
  private readonly logger = new Logger(MetaGraphClient.name);

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get baseUrl(): string {
    return this.config.metaGraphUrl;
  }

  async get<T = Record<string, any>>(operation: string, token: string, path: string, query: Record<string, string> = {}): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return this.call<T>(operation, url, { method: 'GET', headers: { authorization: `Bearer ${token}` } });
  }

  async post<T = Record<string, any>>(operation: string, token: string, path: string, body: unknown): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    return this.call<T>(operation, url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  async postForm<T = Record<string, any>>(operation: string, token: string, path: string, form: FormData): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    return this.call<T>(operation, url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  }

  /** Downloads media from Meta's CDN (with the token for WhatsApp), never more than `maxBytes`. */
  async download(url: string, token: string | null, maxBytes: number): Promise<{ data: Buffer; contentType: string | null }> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new GraphCallError('media download', 'rejected', 'not a URL');
    }
    if (!isMetaMediaHost(u, new URL(this.baseUrl).origin)) throw new GraphCallError('media download', 'rejected', `host ${u.host} is not a Meta media host`);
    let res: Response;
    try {
      res = await fetch(u, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(this.config.webhookTimeoutMs * 3) });
    } catch (err) {
      throw new GraphCallError('media download', 'network', `unreachable (${(err as Error).message})`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new GraphCallError('media download', res.status === 429 ? 'rate_limited' : res.status >= 500 ? 'server' : 'rejected', `HTTP ${res.status}`, {
        status: res.status,
        code: null,
        subcode: null,
      });
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new GraphCallError('media download', 'rejected', `file is ${declared} bytes, over the ${maxBytes} byte limit`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) throw new GraphCallError('media download', 'rejected', `file is over the ${maxBytes} byte limit`);
      chunks.push(Buffer.from(chunk));
    }
    return { data: Buffer.concat(chunks), contentType: res.headers.get('content-type') };
  }

  private async call<T>(operation: string, url: URL, init: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.config.webhookTimeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new GraphCallError(operation, 'network', `could not reach ${url.origin} (${cause ?? (err as Error).message})`);
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (res.ok && body !== null) return body as T;
    const c = classifyGraphError(res.status, body);
    if (c.kind === 'rate_limited') this.logger.warn({ operation, status: res.status, code: c.code }, 'Graph API rate limited us');
    throw new GraphCallError(operation, res.ok ? 'server' : c.kind, res.ok ? 'the answer is not JSON' : c.detail, { status: res.status, code: c.code, subcode: c.subcode });
  }
}
