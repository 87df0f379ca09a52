import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export interface FakeTelegramCall {
  method: string;
  token: string;
  /** JSON params, or the multipart fields (files as {fileName, type, size}). */
  params: Record<string, any>;
  at: number;
}

/** An error answer, a dropped connection, or a normal answer given only once `hold` settles (a slow Bot API). */
export type TelegramScript = { status: number; description: string; retryAfter?: number } | { drop: true } | { hold: Promise<unknown> };

export const TELEGRAM_ERRORS = {
  blocked: { status: 403, description: 'Forbidden: bot was blocked by the user' },
  tooMany: (s: number) => ({ status: 429, description: `Too Many Requests: retry after ${s}`, retryAfter: s }),
  chatNotFound: { status: 400, description: 'Bad Request: chat not found' },
} as const;

/**
 * A small stand-in for the Telegram Bot API on 127.0.0.1, speaking its wire format:
 * `POST /bot<token>/<method>` with JSON or multipart, `{ok:true,result}` or
 * `{ok:false,error_code,description,parameters:{retry_after}}`, files at
 * `/file/bot<token>/<file_path>`. It records every call, keeps the registered webhook
 * (url + secret token, to deliver updates the way Telegram does) and answers errors on demand.
 */
export interface FakeTelegram {
  /** Where the app listens (its webhook URL says PUBLIC_URL). */
  appOrigin: string | null;
  url: string;
  bot: { id: number; username: string; firstName: string; token: string };
  calls: FakeTelegramCall[];
  sends(method?: string): FakeTelegramCall[];
  webhook: { url: string | null; secretToken: string | null; allowedUpdates: string[] | null };
  addFile(fileId: string, f: { path: string; mimeType: string; data: Buffer }): void;
  /** The user blocked the bot: sends to their chat answer 403 until `unblock`. */
  block(chatId: string | number): void;
  unblock(chatId: string | number): void;
  /** The next calls of `method` get these answers, in order. */
  script(method: string, answers: TelegramScript[]): void;
  /** POSTs an update to the registered webhook with the registered secret token (as Telegram does). */
  deliver(update: object, opts?: { secretToken?: string | null; raw?: string }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startFakeTelegram(): Promise<FakeTelegram> {
  const bot = { id: 7000000001, username: 'acme_support_bot', firstName: 'Acme Support', token: `7000000001:AA${randomBytes(24).toString('base64url')}` };
  const calls: FakeTelegramCall[] = [];
  const files = new Map<string, { path: string; mimeType: string; data: Buffer }>();
  const blocked = new Set<string>();
  const scripts = new Map<string, TelegramScript[]>();
  const webhook: FakeTelegram['webhook'] = { url: null, secretToken: null, allowedUpdates: null };
  let nextMessageId = 500;
  let origin = '';

  const reply = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const ok = (res: ServerResponse, result: unknown) => reply(res, 200, { ok: true, result });
  const fail = (res: ServerResponse, status: number, description: string, retryAfter?: number) =>
    reply(res, status, { ok: false, error_code: status, description, ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}) });

  const parseMultipart = (raw: Buffer, type: string): Record<string, any> => {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
    if (!boundary) return {};
    const out: Record<string, any> = {};
    for (const part of raw.toString('latin1').split(`--${boundary[1] ?? boundary[2]}`)) {
      const [head, ...rest] = part.split('\r\n\r\n');
      const name = /name="([^"]+)"/.exec(head)?.[1];
      if (!name) continue;
      const body = rest.join('\r\n\r\n').replace(/\r\n$/, '');
      const fileName = /filename="([^"]*)"/.exec(head)?.[1];
      out[name] =
        fileName !== undefined
          ? { fileName, type: /content-type:\s*(\S+)/i.exec(head)?.[1] ?? null, size: Buffer.from(body, 'latin1').length }
          : Buffer.from(body, 'latin1').toString('utf8');
    }
    return out;
  };

  const answer = async (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const url = new URL(req.url ?? '/', origin);
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) {
      if (file[1] !== bot.token) return fail(res, 401, 'Unauthorized');
      const f = [...files.values()].find((x) => x.path === decodeURIComponent(file[2]));
      if (!f) return fail(res, 404, 'Not Found');
      return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(f.data.length) }).end(f.data);
    }
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!m) return fail(res, 404, 'Not Found');
    const [, token, method] = m;
    const type = req.headers['content-type'] ?? '';
    const params: Record<string, any> = type.startsWith('multipart/form-data')
      ? parseMultipart(raw, type)
      : raw.length
        ? JSON.parse(raw.toString('utf8'))
        : Object.fromEntries(url.searchParams);
    calls.push({ method, token, params, at: Date.now() });
    // Telegram answers an unknown token with 401 Unauthorized (404 for a malformed one).
    if (token !== bot.token) return fail(res, 401, 'Unauthorized');
    const scripted = scripts.get(method)?.shift();
    if (scripted && 'hold' in scripted) await scripted.hold;
    else if (scripted) {
      if ('drop' in scripted) return void req.socket.destroy();
      return fail(res, scripted.status, scripted.description, scripted.retryAfter);
    }
    const chatId = params.chat_id !== undefined ? String(params.chat_id) : null;
    switch (method) {
      case 'getMe':
        return ok(res, {
          id: bot.id,
          is_bot: true,
          first_name: bot.firstName,
          username: bot.username,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case 'setWebhook':
        webhook.url = params.url;
        webhook.secretToken = params.secret_token ?? null;
        webhook.allowedUpdates = params.allowed_updates ?? null;
        return ok(res, true);
      case 'deleteWebhook':
        webhook.url = null;
        webhook.secretToken = null;
        return ok(res, true);
      case 'getWebhookInfo':
        return ok(res, {
          url: webhook.url ?? '',
          has_custom_certificate: false,
          pending_update_count: 0,
          ...(webhook.allowedUpdates ? { allowed_updates: webhook.allowedUpdates } : {}),
        });
      case 'getFile': {
        const f = files.get(params.file_id);
        if (!f) return fail(res, 400, 'Bad Request: invalid file_id');
        return ok(res, { file_id: params.file_id, file_unique_id: `u${params.file_id}`, file_size: f.data.length, file_path: f.path });
      }
      case 'answerCallbackQuery':
        return ok(res, true);
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument':
      case 'sendChatAction': {
        if (!chatId) return fail(res, 400, 'Bad Request: chat_id is empty');
        if (blocked.has(chatId)) return fail(res, 403, TELEGRAM_ERRORS.blocked.description);
        if (method === 'sendChatAction') return ok(res, true);
        if (method === 'sendMessage' && !params.text) return fail(res, 400, 'Bad Request: message text is empty');
        return ok(res, {
          message_id: ++nextMessageId,
          from: { id: bot.id, is_bot: true, first_name: bot.firstName, username: bot.username },
          chat: { id: Number(chatId), type: chatId.startsWith('-') ? 'supergroup' : 'private' },
          date: Math.floor(Date.now() / 1000),
          ...(params.text ? { text: params.text } : {}),
        });
      }
      default:
        return fail(res, 404, 'Not Found');
    }
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => void answer(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  origin = `http://127.0.0.1:${port}`;

  const fake: FakeTelegram = {
    appOrigin: null,
    url: origin,
    bot,
    calls,
    sends: (method) => calls.filter((c) => (method ? c.method === method : /^send/.test(c.method))),
    webhook,
    addFile: (id, f) => void files.set(id, f),
    block: (chatId) => void blocked.add(String(chatId)),
    unblock: (chatId) => void blocked.delete(String(chatId)),
    script: (method, answers) => void scripts.set(method, [...(scripts.get(method) ?? []), ...answers]),
    deliver: async (update, opts = {}) => {
      if (!webhook.url) throw new Error('no webhook registered');
      const secret = opts.secretToken === undefined ? webhook.secretToken : opts.secretToken;
      // PUBLIC_URL says localhost; the app listens on `appOrigin` when the test sets it.
      const target = fake.appOrigin ? webhook.url.replace(originOf(webhook.url), fake.appOrigin) : webhook.url;
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret !== null ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
        body: opts.raw ?? JSON.stringify(update),
      });
      const text = await res.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return fake;
}

const originOf = (u: string) => new URL(u).origin;
