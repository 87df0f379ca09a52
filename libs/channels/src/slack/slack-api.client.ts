import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { APP_CONFIG, AppConfig } from '@inbox/core';
import { isRetryableSlackError } from './slack-event.util';

/** A failed Web API call, reduced to what callers decide on: Slack's error code and whether to try again. */
export class SlackCallError extends Error {
  constructor(
    readonly method: string,
    readonly slackError: string,
    readonly retryable: boolean,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(`Slack ${method} failed: ${slackError}${retryAfterSeconds !== null ? ` (retry after ${retryAfterSeconds} s)` : ''}`);
    this.name = 'SlackCallError';
  }
}

export interface SlackAuth {
  token: string;
  /** Per-inbox override of SLACK_API_URL (Enterprise Grid gateways, tests). */
  apiUrl?: string | null;
}

export interface SlackUser {
  id: string;
  name: string | null;
  email: string | null;
  isBot: boolean;
}

export interface SlackFileInfo {
  id: string;
  name: string;
  mimetype: string;
  size: number;
  downloadUrl: string | null;
}

/** Longest Retry-After we sit out inside a job; longer waits go back to the queue's backoff. */
const MAX_IN_PROCESS_WAIT_MS = 10_000;

/**
 * The one door to Slack's Web API (@slack/web-api with a configurable base URL).
 * Retries are not done here: the durable jobs retry. A `ratelimited` answer closes the
 * workspace's gate until Retry-After, so the next attempt waits instead of hammering.
 */
@Injectable()
export class SlackApiClient {
  private readonly logger = new Logger(SlackApiClient.name);
  private readonly clients = new Map<string, WebClient>();
  private readonly gates = new Map<string, number>();
  private readonly users = new Map<string, { user: SlackUser; until: number }>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  baseUrl(auth: SlackAuth): string {
    return auth.apiUrl || this.config.slackApiUrl;
  }

  async authTest(auth: SlackAuth): Promise<{ teamId: string | null; team: string | null; botUserId: string | null; botId: string | null; url: string | null }> {
    const r = await this.call(auth, 'auth.test', {});
    return { teamId: r.team_id ?? null, team: r.team ?? null, botUserId: r.user_id ?? null, botId: r.bot_id ?? null, url: r.url ?? null };
  }

  /** Cached an hour per workspace: names rarely change and users.info is rate limited (tier 4). */
  async userInfo(auth: SlackAuth, userId: string): Promise<SlackUser> {
    const key = `${auth.token}\n${userId}`;
    const cached = this.users.get(key);
    if (cached && cached.until > Date.now()) return cached.user;
    const r = await this.call(auth, 'users.info', { user: userId });
    const u = r.user ?? {};
    const profile = u.profile ?? {};
    const user: SlackUser = {
      id: userId,
      name: profile.display_name || profile.real_name || u.real_name || u.name || null,
      email: profile.email ?? null,
      isBot: u.is_bot === true,
    };
    if (this.users.size > 10_000) this.users.clear();
    this.users.set(key, { user, until: Date.now() + 3600_000 });
    return user;
  }

  async fileInfo(auth: SlackAuth, fileId: string): Promise<SlackFileInfo> {
    const r = await this.call(auth, 'files.info', { file: fileId });
    const f = r.file ?? {};
    return {
      id: fileId,
      name: f.name ?? f.title ?? fileId,
      mimetype: f.mimetype ?? 'application/octet-stream',
      size: Number(f.size ?? 0),
      downloadUrl: f.url_private_download ?? f.url_private ?? null,
    };
  }

  async postMessage(auth: SlackAuth, m: { channel: string; text: string; threadTs?: string | null }): Promise<{ channel: string; ts: string }> {
    const r = await this.call(auth, 'chat.postMessage', { channel: m.channel, text: m.text, ...(m.threadTs ? { thread_ts: m.threadTs } : {}), unfurl_links: false });
    return { channel: r.channel ?? m.channel, ts: r.ts };
  }

  /**
   * Downloads a private file with the bot token. Only from Slack's own hosts (or the
   * configured API host), and never more than `maxBytes`: a file URL in an event must
   * not make us fetch arbitrary addresses or fill memory.
   */
  async download(auth: SlackAuth, url: string, maxBytes: number): Promise<Buffer> {
    if (!this.isSlackFileHost(auth, url)) throw new SlackCallError('file download', `host of ${safeHost(url)} is not a Slack file host`, false);
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${auth.token}` }, signal: AbortSignal.timeout(this.config.webhookTimeoutMs * 3) });
    } catch (err) {
      throw new SlackCallError('file download', `unreachable (${(err as Error).message})`, true);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new SlackCallError('file download', `HTTP ${res.status}`, res.status === 429 || res.status >= 500);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new SlackCallError('file download', `file is ${declared} bytes, over the ${maxBytes} byte limit`, false);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) throw new SlackCallError('file download', `file is over the ${maxBytes} byte limit`, false);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  private isSlackFileHost(auth: SlackAuth, url: string): boolean {
    try {
      const u = new URL(url);
      const api = new URL(this.baseUrl(auth));
      if (u.origin === api.origin) return true;
      return u.protocol === 'https:' && (u.hostname === 'slack.com' || u.hostname.endsWith('.slack.com') || u.hostname.endsWith('.slack-edge.com'));
    } catch {
      return false;
    }
  }

  private async call(auth: SlackAuth, method: string, args: Record<string, unknown>): Promise<Record<string, any>> {
    const gateKey = `${this.baseUrl(auth)}\n${auth.token}`;
    const closedFor = (this.gates.get(gateKey) ?? 0) - Date.now();
    if (closedFor > 0) {
      if (closedFor > MAX_IN_PROCESS_WAIT_MS) throw new SlackCallError(method, 'ratelimited', true, Math.ceil(closedFor / 1000));
      await new Promise((r) => setTimeout(r, closedFor));
    }
    try {
      return (await this.client(auth).apiCall(method, args)) as Record<string, any>;
    } catch (err) {
      const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number; original?: Error; message?: string };
      if (e.code === ErrorCode.RateLimitedError) {
        const retryAfter = Number.isFinite(e.retryAfter) ? Number(e.retryAfter) : 1;
        this.gates.set(gateKey, Date.now() + retryAfter * 1000);
        this.logger.warn({ method, retryAfter }, 'Slack rate limited us');
        throw new SlackCallError(method, 'ratelimited', true, retryAfter);
      }
      if (e.code === ErrorCode.PlatformError) {
        const code = e.data?.error ?? 'unknown_error';
        throw new SlackCallError(method, code, isRetryableSlackError(code));
      }
      if (e.code === ErrorCode.HTTPError) throw new SlackCallError(method, `HTTP ${e.statusCode}`, (e.statusCode ?? 500) >= 500);
      if (e.code === ErrorCode.RequestError) throw new SlackCallError(method, `unreachable (${e.original?.message ?? e.message})`, true);
      throw err;
    }
  }

  private client(auth: SlackAuth): WebClient {
    const base = this.baseUrl(auth);
    const key = `${base}\n${auth.token}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new WebClient(auth.token, {
        slackApiUrl: base,
        // The durable jobs own retries; an in-client retry would hide rate limits and stall workers.
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: this.config.webhookTimeoutMs,
        logLevel: LogLevel.ERROR,
        allowAbsoluteUrls: false,
      });
      if (this.clients.size > 1000) this.clients.clear();
      this.clients.set(key, client);
    }
    return client;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}
