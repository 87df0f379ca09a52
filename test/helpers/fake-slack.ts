import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export interface FakeSlackCall {
  method: string;
  token: string | null;
  args: Record<string, any>;
  at: number;
}

type Scripted = { status: 429; retryAfter: number } | { error: string };

/**
 * A small stand-in for Slack's Web API on 127.0.0.1, speaking its wire format
 * (form or JSON bodies, `{ok, error}` answers, HTTP 429 + Retry-After when rate limited).
 * It records every call and serves private file downloads with the bot token.
 */
export interface FakeSlack {
  /** What SLACK_API_URL should be: `http://127.0.0.1:<port>/api/`. */
  apiUrl: string;
  origin: string;
  botToken: string;
  teamId: string;
  botUserId: string;
  botId: string;
  calls: FakeSlackCall[];
  posted(): FakeSlackCall[];
  addUser(id: string, u: { name: string; realName?: string; displayName?: string; email?: string }): void;
  addFile(id: string, f: { name: string; mimetype: string; data: Buffer; reportedSize?: number }): void;
  /** The next calls of `method` get these answers, in order, instead of the normal one. */
  script(method: string, answers: Scripted[]): void;
  close(): Promise<void>;
}

export async function startFakeSlack(opts: { botToken?: string; teamId?: string; botUserId?: string; botId?: string } = {}): Promise<FakeSlack> {
  const botToken = opts.botToken ?? 'xoxb-fake-1234-abcd';
  const teamId = opts.teamId ?? 'T043DB835ML';
  const botUserId = opts.botUserId ?? 'U0442US8QGH';
  const botId = opts.botId ?? 'B0439P161B9';
  const calls: FakeSlackCall[] = [];
  const users = new Map<string, { name: string; realName?: string; displayName?: string; email?: string }>();
  const files = new Map<string, { name: string; mimetype: string; data: Buffer; reportedSize?: number }>();
  const scripts = new Map<string, Scripted[]>();
  let tsCounter = 0;
  let origin = '';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));

  const api = (method: string, args: Record<string, any>, token: string | null): { status: number; body: unknown; headers?: Record<string, string> } => {
    const scripted = scripts.get(method)?.shift();
    if (scripted && 'status' in scripted) return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(scripted.retryAfter) } };
    if (scripted) return { status: 200, body: { ok: false, error: scripted.error } };
    if (!token) return { status: 200, body: { ok: false, error: 'not_authed' } };
    if (token !== botToken) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    switch (method) {
      case 'auth.test':
        return {
          status: 200,
          body: {
            ok: true,
            url: 'https://acme-support.slack.com/',
            team: 'Acme',
            user: 'support',
            team_id: teamId,
            user_id: botUserId,
            bot_id: botId,
            is_enterprise_install: false,
          },
        };
      case 'users.info': {
        const u = users.get(args.user);
        if (!u) return { status: 200, body: { ok: false, error: 'user_not_found' } };
        return {
          status: 200,
          body: {
            ok: true,
            user: {
              id: args.user,
              team_id: teamId,
              name: u.name,
              real_name: u.realName ?? u.name,
              is_bot: false,
              profile: { real_name: u.realName ?? u.name, display_name: u.displayName ?? '', email: u.email },
            },
          },
        };
      }
      case 'files.info': {
        const f = files.get(args.file);
        if (!f) return { status: 200, body: { ok: false, error: 'file_not_found' } };
        const url = `${origin}/files-pri/${teamId}-${args.file}/download/${encodeURIComponent(f.name)}`;
        return {
          status: 200,
          body: {
            ok: true,
            file: { id: args.file, name: f.name, title: f.name, mimetype: f.mimetype, size: f.reportedSize ?? f.data.length, url_private: url, url_private_download: url },
          },
        };
      }
      case 'chat.postMessage': {
        if (!args.channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        if (!args.text) return { status: 200, body: { ok: false, error: 'no_text' } };
        const ts = `${1_764_720_000 + ++tsCounter}.000${String(tsCounter).padStart(3, '0')}`;
        return {
          status: 200,
          body: {
            ok: true,
            channel: args.channel,
            ts,
            message: { type: 'message', text: args.text, user: botUserId, bot_id: botId, ts, ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}) },
          },
        };
      }
      case 'conversations.replies': {
        const thread = calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === args.channel && c.args.thread_ts === args.ts);
        return {
          status: 200,
          body: { ok: true, has_more: false, messages: thread.map((c) => ({ type: 'message', text: c.args.text, thread_ts: args.ts, user: botUserId, bot_id: botId })) },
        };
      }
      default:
        return { status: 200, body: { ok: false, error: 'unknown_method' } };
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', origin);
      const auth = req.headers.authorization?.match(/^Bearer\s+(\S+)$/)?.[1] ?? null;
      if (req.method === 'GET' && url.pathname.startsWith('/files-pri/')) {
        const id = url.pathname.split('/')[2]?.split('-').slice(1).join('-');
        const f = files.get(id);
        if (auth !== botToken || !f) return void res.writeHead(auth !== botToken ? 403 : 404).end();
        return void res.writeHead(200, { 'content-type': f.mimetype, 'content-length': String(f.data.length) }).end(f.data);
      }
      const method = url.pathname.match(/^\/api\/([\w.]+)$/)?.[1];
      if (req.method !== 'POST' || !method) return json(res, 404, { ok: false, error: 'unknown_method' });
      const raw = Buffer.concat(chunks).toString('utf8');
      let args: Record<string, any> = {};
      if ((req.headers['content-type'] ?? '').includes('application/json')) args = raw ? JSON.parse(raw) : {};
      else args = Object.fromEntries(new URLSearchParams(raw));
      const token = auth ?? args.token ?? null;
      calls.push({ method, token, args, at: Date.now() });
      const answer = api(method, args, token);
      json(res, answer.status, answer.body, answer.headers);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    apiUrl: `${origin}/api/`,
    origin,
    botToken,
    teamId,
    botUserId,
    botId,
    calls,
    posted: () => calls.filter((c) => c.method === 'chat.postMessage' && c.token === botToken),
    addUser: (id, u) => void users.set(id, u),
    addFile: (id, f) => void files.set(id, f),
    script: (method, answers) => void scripts.set(method, [...answers]),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Signs a body exactly as Slack does: v0 HMAC-SHA256 over `v0:<timestamp>:<raw body>`. */
export function slackHeaders(signingSecret: string, rawBody: string, opts: { timestamp?: number; retryNum?: number } = {}): Record<string, string> {
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const sig = 'v0=' + createHmac('sha256', signingSecret).update(`v0:${ts}:${rawBody}`).digest('hex');
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': sig,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...(opts.retryNum ? { 'x-slack-retry-num': String(opts.retryNum), 'x-slack-retry-reason': 'http_timeout' } : {}),
  };
}
