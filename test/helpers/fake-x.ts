import { createHmac, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export interface FakeXCall {
  method: string;
  path: string;
  /** Whether the OAuth 1.0a signature checked out against the fake's own consumer and token secrets. */
  signed: boolean;
  oauth: Record<string, string>;
  body: any;
}

export type XScript = { status: number; title: string; detail: string; reset?: number } | { drop: true };

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A small stand-in for the X API v2 on 127.0.0.1. It checks every request's OAuth 1.0a
 * signature on its own (RFC 5849 base string, HMAC-SHA1 with the consumer and token
 * secrets), answers `/2/users/me` and DM sends in X's format (problem+json errors,
 * x-rate-limit-* headers), serves DM media, and plays X's side of the Account Activity API:
 * the CRC check and signed webhook deliveries.
 */
export interface FakeX {
  url: string;
  account: { userId: string; username: string; consumerKey: string; consumerSecret: string; accessToken: string; accessTokenSecret: string };
  calls: FakeXCall[];
  sends(): FakeXCall[];
  addMedia(path: string, m: { type: string; data: Buffer }): string;
  script(pathSuffix: string, answers: XScript[]): void;
  /** GETs the webhook with a crc_token and checks the answer as X does. */
  crc(webhookUrl: string): Promise<{ status: number; body: any; valid: boolean }>;
  /** POSTs an Account Activity body signed with the consumer secret (or `signature`). */
  deliver(webhookUrl: string, body: object | string, opts?: { signature?: string | null }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startFakeX(): Promise<FakeX> {
  const account = {
    userId: '1460213846530347008',
    username: 'acme_support',
    consumerKey: `ck${randomBytes(12).toString('hex')}`,
    consumerSecret: `cs${randomBytes(20).toString('hex')}`,
    accessToken: `1460213846530347008-${randomBytes(16).toString('hex')}`,
    accessTokenSecret: `ats${randomBytes(20).toString('hex')}`,
  };
  const calls: FakeXCall[] = [];
  const media = new Map<string, { type: string; data: Buffer }>();
  const scripts = new Map<string, XScript[]>();
  let origin = '';
  let seq = 1_800_000_000_000_000_000n;

  const verify = (method: string, url: URL, header: string | undefined): { ok: boolean; oauth: Record<string, string> } => {
    const oauth: Record<string, string> = {};
    for (const m of (header ?? '').replace(/^OAuth\s+/, '').matchAll(/(\w+)="([^"]*)"/g)) oauth[m[1]] = decodeURIComponent(m[2]);
    if (oauth.oauth_consumer_key !== account.consumerKey || oauth.oauth_token !== account.accessToken || oauth.oauth_signature_method !== 'HMAC-SHA1') return { ok: false, oauth };
    const params: Array<[string, string]> = [...url.searchParams.entries(), ...Object.entries(oauth).filter(([k]) => k !== 'oauth_signature' && k !== 'realm')];
    const normalized = params
      .map(([k, v]) => [enc(k), enc(v)])
      .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const base = [method.toUpperCase(), enc(`${url.origin}${url.pathname}`), enc(normalized)].join('&');
    const expected = createHmac('sha1', `${enc(account.consumerSecret)}&${enc(account.accessTokenSecret)}`)
      .update(base)
      .digest('base64');
    return { ok: expected === oauth.oauth_signature, oauth };
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers }).end(JSON.stringify(body));
  const problem = (res: ServerResponse, status: number, title: string, detail: string, headers: Record<string, string> = {}) =>
    json(res, status, { title, detail, type: `https://api.twitter.com/2/problems/${title.toLowerCase().replace(/\s+/g, '-')}`, status }, headers);

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', origin);
      const { ok, oauth } = verify(req.method ?? 'GET', url, req.headers.authorization);
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = raw ? JSON.parse(raw) : null;
      calls.push({ method: req.method ?? 'GET', path: url.pathname, signed: ok, oauth, body });
      if (!ok) return problem(res, 401, 'Unauthorized', 'Unauthorized');
      const scripted = [...scripts.entries()].find(([suffix, list]) => url.pathname.endsWith(suffix) && list.length)?.[1].shift();
      if (scripted) {
        if ('drop' in scripted) return void req.socket.destroy();
        return problem(
          res,
          scripted.status,
          scripted.title,
          scripted.detail,
          scripted.reset !== undefined ? { 'x-rate-limit-limit': '200', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(scripted.reset) } : {},
        );
      }
      if (req.method === 'GET' && url.pathname === '/2/users/me') return json(res, 200, { data: { id: account.userId, name: 'Acme Support', username: account.username } });
      const dm = /^\/2\/dm_conversations\/with\/(\d+)\/messages$/.exec(url.pathname);
      if (req.method === 'POST' && dm) {
        if (!body?.text && !body?.attachments) return problem(res, 400, 'Invalid Request', 'One or more parameters to your request was invalid.');
        seq += 1n;
        return json(res, 201, { data: { dm_conversation_id: `${dm[1]}-${account.userId}`, dm_event_id: String(seq) } });
      }
      const m = media.get(url.pathname);
      if (req.method === 'GET' && m) return void res.writeHead(200, { 'content-type': m.type, 'content-length': String(m.data.length) }).end(m.data);
      return problem(res, 404, 'Not Found Error', `no route ${req.method} ${url.pathname}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const parse = async (res: Response) => {
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };

  return {
    url: origin,
    account,
    calls,
    sends: () => calls.filter((c) => c.method === 'POST' && c.path.startsWith('/2/dm_conversations/')),
    addMedia: (path, m) => {
      media.set(path, m);
      return `${origin}${path}`;
    },
    script: (suffix, answers) => void scripts.set(suffix, [...(scripts.get(suffix) ?? []), ...answers]),
    crc: async (webhookUrl) => {
      const token = randomBytes(16).toString('base64url');
      const res = await fetch(`${webhookUrl}?crc_token=${token}`);
      const body = await parse(res);
      const expected = `sha256=${createHmac('sha256', account.consumerSecret).update(token).digest('base64')}`;
      return { status: res.status, body, valid: body?.response_token === expected };
    },
    deliver: async (webhookUrl, body, opts = {}) => {
      const raw = typeof body === 'string' ? body : JSON.stringify(body);
      const signature = opts.signature === undefined ? `sha256=${createHmac('sha256', account.consumerSecret).update(raw).digest('base64')}` : opts.signature;
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature !== null ? { 'x-twitter-webhooks-signature': signature } : {}) },
        body: raw,
      });
      return { status: res.status, body: await parse(res) };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
