import { createHmac, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export interface FakeGraphCall {
  method: string;
  path: string;
  token: string | null;
  /** JSON body, or the multipart fields (files as {fileName, type, size}). */
  body: Record<string, any>;
}

/** Graph API error answers as Meta sends them. */
export type GraphScript = { status: number; code: number; subcode?: number; message: string; details?: string } | { drop: true };

export const GRAPH_ERRORS = {
  reengagement: {
    status: 400,
    code: 131047,
    message: '(#131047) Re-engagement message',
    details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  rateLimited: { status: 429, code: 130429, message: '(#130429) Rate limit hit', details: 'Cloud API message throughput has been reached.' },
  invalidToken: { status: 401, code: 190, message: 'Invalid OAuth access token - Cannot parse access token' },
  outsideWindow: { status: 400, code: 10, subcode: 2018278, message: '(#10) This message is sent outside of allowed window.' },
} satisfies Record<string, GraphScript>;

/**
 * A small stand-in for Meta's Graph API on 127.0.0.1, speaking its wire format: versioned
 * paths, Bearer tokens, `{error: {message, type, code, error_subcode, error_data, fbtrace_id}}`
 * answers. It records every call, serves media lookups and downloads, and answers errors on demand.
 */
export interface FakeMeta {
  /** What META_GRAPH_URL should be: `http://127.0.0.1:<port>/v26.0/`. */
  url: string;
  origin: string;
  whatsapp: { phoneNumberId: string; businessAccountId: string; displayPhoneNumber: string; accessToken: string };
  page: { id: string; name: string; token: string; instagramId: string; instagramUsername: string };
  calls: FakeGraphCall[];
  sends(path: string): FakeGraphCall[];
  addMedia(id: string, m: { mimeType: string; data: Buffer }): void;
  addProfile(id: string, p: { first_name?: string; last_name?: string; name?: string; username?: string }): void;
  /** The next calls whose path ends with `pathSuffix` get these answers, in order. */
  script(pathSuffix: string, answers: GraphScript[]): void;
  rotateTokens(): void;
  close(): Promise<void>;
}

export async function startFakeMeta(): Promise<FakeMeta> {
  const whatsapp = {
    phoneNumberId: '106540352242922',
    businessAccountId: '102290129340398',
    displayPhoneNumber: '+1 555-010-4422',
    accessToken: `EAAG${randomBytes(24).toString('hex')}`,
  };
  const page = {
    id: '117172741761305',
    name: 'Acme Support',
    token: `EAAP${randomBytes(24).toString('hex')}`,
    instagramId: '17841405822304914',
    instagramUsername: 'acme.support',
  };
  const calls: FakeGraphCall[] = [];
  const media = new Map<string, { mimeType: string; data: Buffer }>();
  const profiles = new Map<string, Record<string, string>>();
  const scripts = new Map<string, GraphScript[]>();
  let seq = 0;
  let origin = '';
  const version = 'v26.0';

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
  const graphError = (res: ServerResponse, e: Exclude<GraphScript, { drop: true }>) =>
    json(res, e.status, {
      error: {
        message: e.message,
        type: e.code === 190 ? 'OAuthException' : 'OAuthException',
        code: e.code,
        ...(e.subcode ? { error_subcode: e.subcode } : {}),
        ...(e.details ? { error_data: { messaging_product: 'whatsapp', details: e.details } } : {}),
        fbtrace_id: `A${randomBytes(8).toString('hex')}`,
      },
    });

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', origin);
      const token = req.headers.authorization?.match(/^Bearer\s+(\S+)$/)?.[1] ?? url.searchParams.get('access_token');
      const raw = Buffer.concat(chunks);
      if (req.method === 'GET' && url.pathname.startsWith('/media/')) {
        const m = media.get(url.pathname.slice('/media/'.length));
        if (token !== whatsapp.accessToken) return void res.writeHead(401).end();
        if (!m) return void res.writeHead(404).end();
        return void res.writeHead(200, { 'content-type': m.mimeType, 'content-length': String(m.data.length) }).end(m.data);
      }
      if (!url.pathname.startsWith(`/${version}/`)) return json(res, 400, { error: { message: 'Unknown path components', type: 'OAuthException', code: 2500 } });
      const path = url.pathname.slice(version.length + 2);
      let body: Record<string, any> = {};
      const ct = req.headers['content-type'] ?? '';
      if (ct.includes('application/json')) body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
      else if (ct.includes('multipart/form-data')) {
        const form = await new Response(raw, { headers: { 'content-type': ct } }).formData();
        form.forEach((v, k) => void (body[k] = typeof v === 'string' ? v : { fileName: (v as File).name, type: v.type, size: v.size }));
      }
      calls.push({ method: req.method ?? 'GET', path, token, body });
      const scripted = [...scripts.entries()].find(([suffix, list]) => path.endsWith(suffix) && list.length)?.[1].shift();
      if (scripted && 'drop' in scripted) return void req.socket.destroy();
      if (scripted) return graphError(res, scripted);
      const waToken = token === whatsapp.accessToken;
      const pageToken = token === page.token;
      if (!waToken && !pageToken) return graphError(res, GRAPH_ERRORS.invalidToken);

      if (req.method === 'POST' && path === `${whatsapp.phoneNumberId}/messages` && waToken) {
        if (!body.to || body.messaging_product !== 'whatsapp') return graphError(res, { status: 400, code: 100, message: '(#100) The parameter messaging_product is required.' });
        const id = `wamid.HBgL${Buffer.from(`${body.to}:${++seq}`).toString('base64')}`;
        return json(res, 200, {
          messaging_product: 'whatsapp',
          contacts: [{ input: body.to, wa_id: body.to }],
          messages: [{ id, ...(body.type === 'template' ? { message_status: 'accepted' } : {}) }],
        });
      }
      if (req.method === 'POST' && path === `${whatsapp.phoneNumberId}/media` && waToken) return json(res, 200, { id: String(9000000000 + ++seq) });
      if (req.method === 'POST' && (path === 'me/messages' || path === `${page.id}/messages`) && pageToken) {
        const recipient = typeof body.recipient === 'string' ? JSON.parse(body.recipient) : body.recipient;
        if (!recipient?.id) return graphError(res, { status: 400, code: 100, message: '(#100) The parameter recipient is required' });
        return json(res, 200, { recipient_id: recipient.id, message_id: `m_${randomBytes(12).toString('base64url')}` });
      }
      if (req.method === 'GET' && path === 'me' && pageToken) {
        return json(res, 200, {
          id: page.id,
          name: page.name,
          ...(url.searchParams.get('fields')?.includes('instagram_business_account')
            ? { instagram_business_account: { id: page.instagramId, username: page.instagramUsername } }
            : {}),
        });
      }
      if (req.method === 'GET' && path === whatsapp.phoneNumberId && waToken) {
        return json(res, 200, { id: whatsapp.phoneNumberId, display_phone_number: whatsapp.displayPhoneNumber, verified_name: 'Acme Support', quality_rating: 'GREEN' });
      }
      if (req.method === 'GET' && media.has(path) && waToken) {
        const m = media.get(path)!;
        return json(res, 200, { messaging_product: 'whatsapp', url: `${origin}/media/${path}`, mime_type: m.mimeType, sha256: 'x', file_size: m.data.length, id: path });
      }
      if (req.method === 'GET' && profiles.has(path) && pageToken) return json(res, 200, { ...profiles.get(path), id: path });
      return graphError(res, {
        status: 400,
        code: 100,
        subcode: 33,
        message: `Unsupported get request. Object with ID '${path}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const fake: FakeMeta = {
    url: `${origin}/${version}/`,
    origin,
    whatsapp,
    page,
    calls,
    sends: (p) => calls.filter((c) => c.method === 'POST' && c.path === p),
    addMedia: (id, m) => void media.set(id, m),
    addProfile: (id, p) => void profiles.set(id, p as Record<string, string>),
    script: (suffix, answers) => void scripts.set(suffix, [...answers]),
    rotateTokens: () => {
      whatsapp.accessToken = `EAAG${randomBytes(24).toString('hex')}`;
      page.token = `EAAP${randomBytes(24).toString('hex')}`;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  return fake;
}

/** Signs a body exactly as Meta does: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>`. */
export function metaHeaders(appSecret: string, rawBody: string | Buffer): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-hub-signature-256': 'sha256=' + createHmac('sha256', appSecret).update(rawBody).digest('hex'),
    'user-agent': 'facebookexternalua',
  };
}
