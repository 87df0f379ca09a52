import { Client } from 'pg';
import { createHmac } from 'node:crypto';
import { Agent as HttpAgent, get as httpGet } from 'node:http';
import { gzipSync } from 'node:zlib';
import { io, Socket } from 'socket.io-client';
import { TestApp, bootApp, bootFixture, eventually, uid } from './helpers/app';
import { signVisitorToken, verifyVisitorToken } from '../libs/channels/src/webchat/visitor-token.util';

const ORIGIN = 'https://shop.example';
const JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';
const visitorKey = createHmac('sha256', JWT_SECRET).update('webchat-visitor-token').digest('hex');

/** Issue 12, items 7 and 9 to 12: login limits, bad input, headers, proxies, visitor and inbox tokens. */
describe('security hardening', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let apiInbox: { id: string; token: string };
  let chat: { id: string; websiteToken: string };
  const sockets: Socket[] = [];

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture());
    apiInbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `API ${uid()}`, channel: 'api' } })).body;
    chat = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Site ${uid()}`, channel: 'webchat', allowedOrigins: [ORIGIN] } })).body;
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await sut?.close();
  });

  const widgetSocket = (auth: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const s = io(`${sut.url}/widget`, {
      auth: { websiteToken: chat.websiteToken, ...auth },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { origin: ORIGIN, ...headers },
    });
    sockets.push(s);
    return s;
  };
  const session = (s: Socket) =>
    new Promise<any>((resolve, reject) => {
      s.once('session', resolve);
      s.once('connect_error', reject);
    });
  const rateKeys = async (like: string) => (await db.query(`SELECT key FROM rate_limits WHERE key LIKE $1`, [like])).rows.map((r) => r.key as string);

  describe('login limits (item 7)', () => {
    const email = `target-${uid()}@example.com`;
    const password = 'the-right-password';
    const attempt = (pw: string, ip = '198.51.100.1') => sut.api('POST', '/auth/login', { body: { email, password: pw }, headers: { 'x-forwarded-for': ip } });
    /** Stands in for the clock: the current back-off delay of the account is over. */
    const delayPasses = () => db.query(`UPDATE rate_limits SET expire = 0 WHERE key = $1`, [`login_delay:${email}`]);

    beforeAll(async () => {
      const res = await sut.api('POST', '/users', { token: admin, body: { email, name: 'Target', password, role: 'agent' } });
      expect(res.status).toBe(201);
    });

    it('answers wrong passwords with growing delays, never a lock of the real user', async () => {
      for (let i = 0; i < 5; i++) expect((await attempt('wrong')).status).toBe(401);
      // The sixth failure starts the back-off: even the right password now waits.
      expect((await attempt('wrong')).status).toBe(401);
      const limited = await attempt(password);
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(limited.headers.get('retry-after')).toBe('1');
      const waits: string[] = [];
      for (let i = 0; i < 3; i++) {
        await delayPasses();
        expect((await attempt('wrong')).status).toBe(401);
        waits.push((await attempt(password)).headers.get('retry-after')!);
      }
      expect(waits).toEqual(['2', '4', '8']);
      // The delay over, the owner gets in and the counter starts again.
      await delayPasses();
      expect((await attempt(password)).status).toBe(200);
      expect((await attempt('wrong')).status).toBe(401);
      expect((await attempt(password)).status).toBe(200);
    });

    it('limits one address spraying a password over many accounts, whatever it puts in X-Forwarded-For', async () => {
      let status = 0;
      let tries = 0;
      while (status !== 429 && tries < 80) {
        // The loopback proxy appends the real client (203.0.113.9); the left part is the client's own invention.
        const res = await sut.api('POST', '/auth/login', {
          body: { email: `nobody-${uid()}@example.com`, password: 'Summer2026!' },
          headers: { 'x-forwarded-for': `${uid()}.example, 203.0.113.9` },
        });
        status = res.status;
        tries++;
      }
      expect(status).toBe(429);
      expect(tries).toBe(51);
      const other = await sut.api('POST', '/auth/login', { body: { email: `someone-${uid()}@example.com`, password: 'x' }, headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(other.status).toBe(429);
      expect(Number(other.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another address is not affected.
      expect(
        (await sut.api('POST', '/auth/login', { body: { email: `someone-${uid()}@example.com`, password: 'x' }, headers: { 'x-forwarded-for': '203.0.113.10' } })).status,
      ).toBe(401);
    });
  });

  describe('trusted proxies and shared widget limits (item 11)', () => {
    it('keys the widget REST limit on the real client: a different X-Forwarded-For does not reset it', async () => {
      let last = 200;
      for (let i = 0; i < 400 && last !== 429; i++) {
        const res = await fetch(`${sut.url}/api/v1/widget/${chat.websiteToken}/config`, { headers: { origin: ORIGIN, 'x-forwarded-for': `10.66.${i % 250}.${i % 7}, 10.1.2.3` } });
        last = res.status;
        if (last === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(last).toBe(429);
      // The counters (in PostgreSQL, shared by every replica) are keyed by the client, never by what it claimed.
      expect(await rateKeys('widget_rest_ip%10.1.2.3')).not.toHaveLength(0);
      expect(await rateKeys('widget_rest_ip%10.66.%')).toEqual([]);
    });

    it('keys the widget handshake limit on the real client too', async () => {
      let refused: any = null;
      for (let i = 0; i < 120 && !refused; i++) {
        const s = widgetSocket({}, { 'x-forwarded-for': `10.77.0.${i}, 10.9.9.9` });
        refused = await new Promise((resolve) => {
          s.once('session', () => resolve(null));
          s.once('connect_error', (err: any) => resolve(err.data));
        });
        s.close();
      }
      expect(refused).toEqual({ code: 'RATE_LIMITED' });
      expect(await rateKeys('widget_connect_ip%10.9.9.9')).not.toHaveLength(0);
      expect(await rateKeys('widget_connect_ip%10.77.%')).toEqual([]);
    });
  });

  describe('bad input is a 400 naming the field (item 9)', () => {
    let conversationId: string;
    beforeAll(async () => {
      const r = await sut.api('POST', `/inboxes/${apiInbox.id}/incoming`, {
        token: apiInbox.token,
        body: { externalId: uid(), contact: { identifier: `c-${uid()}` }, text: 'hello' },
      });
      conversationId = r.body.conversationId;
    });

    it('a non-UUID assigneeId filter', async () => {
      const res = await sut.api('GET', '/conversations?assigneeId=bob', { token: admin });
      expect(res.status).toBe(400);
      expect(res.body.details.fields).toHaveProperty('assigneeId');
      expect((await sut.api('GET', '/conversations?assigneeId=none', { token: admin })).status).toBe(200);
    });

    it('garbage inside a list cursor', async () => {
      const cursor = Buffer.from(JSON.stringify({ lastMessageAt: 'yesterday', id: 'nope' })).toString('base64url');
      const res = await sut.api('GET', `/conversations?cursor=${cursor}`, { token: admin });
      expect(res.status).toBe(400);
      expect(res.body.details.fields).toHaveProperty('cursor');
      const contacts = await sut.api('GET', `/contacts?cursor=${Buffer.from('[1,2]').toString('base64url')}`, { token: admin });
      expect(contacts.status).toBe(400);
    });

    it('a body labelled gzip that is not gzip', async () => {
      const res = await sut.api('POST', '/auth/login', { raw: JSON.stringify({ email: 'a@example.com', password: 'x' }), headers: { 'content-encoding': 'gzip' } });
      expect(res.status).toBe(400);
      expect(res.body.details.fields).toHaveProperty('content-encoding');
      const real = await sut.api('POST', '/auth/login', {
        raw: gzipSync(JSON.stringify({ email: 'a@example.com', password: 'wrong-one' })),
        headers: { 'content-encoding': 'gzip' },
      });
      expect(real.status).toBe(401);
    });

    it('metadata nested 20,000 levels deep, or too large', async () => {
      const deep = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
      const res = await sut.api('POST', `/inboxes/${apiInbox.id}/incoming`, {
        token: apiInbox.token,
        raw: `{"externalId":"${uid()}","contact":{"identifier":"deep"},"text":"hi","metadata":${deep}}`,
      });
      expect(res.status).toBe(400);
      expect(res.body.details.fields).toHaveProperty('metadata');
      const big = await sut.api('POST', `/inboxes/${apiInbox.id}/incoming`, {
        token: apiInbox.token,
        body: { externalId: uid(), contact: { identifier: 'big' }, text: 'hi', metadata: { blob: 'x'.repeat(20_000) } },
      });
      expect(big.status).toBe(400);
      expect(big.body.details.fields).toHaveProperty('metadata');
    });

    it('a malformed X-File-Name on a widget upload', async () => {
      const s = session(widgetSocket({}));
      const { visitorToken } = await s;
      const res = await fetch(`${sut.url}/api/v1/widget/${chat.websiteToken}/attachments?clientId=${uid()}${uid()}`, {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': 'text/plain', 'x-visitor-token': visitorToken, 'x-file-name': '%E0%A4%A' },
        body: 'hello',
      });
      expect(res.status).toBe(400);
      expect((await res.json()).details.fields).toHaveProperty('x-file-name');
    });

    it('an attachment content type with CR/LF is refused at upload, and a stored one cannot break the download', async () => {
      const bad = await sut.api('POST', `/conversations/${conversationId}/messages/with-attachments`, {
        token: admin,
        body: { text: 'file', attachments: [{ fileName: 'a.txt', contentType: 'text/plain\r\nX-Injected: 1', dataBase64: Buffer.from('hi').toString('base64') }] },
      });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body.details.fields).join()).toMatch(/contentType/);
      const ok = await sut.api('POST', `/conversations/${conversationId}/messages/with-attachments`, {
        token: admin,
        body: { text: 'file', private: true, attachments: [{ fileName: 'a.txt', contentType: 'text/plain', dataBase64: Buffer.from('hi').toString('base64') }] },
      });
      expect(ok.status).toBe(201);
      const id = ok.body.attachments[0].id;
      // As if a channel had stored it before the check existed.
      await db.query(`UPDATE attachments SET content_type = $2 WHERE id = $1`, [id, 'text/plain\r\nX-Injected: 1']);
      const res = await fetch(`${sut.url}/api/v1/attachments/${id}`, { headers: { authorization: `Bearer ${admin}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('x-injected')).toBeNull();
    });
  });

  it('keeps an idle keep-alive connection open longer than a load balancer does (65 s, not Node 5 s)', async () => {
    // Whoever closes an idle connection first races the other side's next request on it; the
    // client (or balancer, 60 s at the common ones) must be the one to close.
    const agent = new HttpAgent({ keepAlive: true });
    const get = () =>
      new Promise<{ status: number; keepAlive: unknown; socket: unknown }>((resolve, reject) => {
        const req = httpGet(`${sut.url}/api/v1/health`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, keepAlive: res.headers['keep-alive'], socket: req.socket }));
        });
        req.on('error', reject);
      });
    try {
      const first = await get();
      expect(first).toMatchObject({ status: 200, keepAlive: 'timeout=65' });
      const second = await get();
      expect(second.status).toBe(200);
      expect(second.socket).toBe(first.socket); // the same connection, kept alive
    } finally {
      agent.destroy();
    }
  });

  describe('security headers and socket origins (item 10)', () => {
    it('sends the headers on the web app, the API and errors, without X-Powered-By or HSTS over plain HTTP', async () => {
      for (const path of ['/', '/api/v1/health', '/api/v1/nope']) {
        const res = await fetch(`${sut.url}${path}`);
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toMatch(/connect-src 'self' ws: wss:/);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        expect(res.headers.get('x-powered-by')).toBeNull();
        expect(res.headers.get('strict-transport-security')).toBeNull();
      }
      // Host pages load the widget's resources from another site.
      const widget = await fetch(`${sut.url}/api/v1/widget/${chat.websiteToken}/config`, { headers: { origin: ORIGIN } });
      expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    });

    it('does not reflect any origin on socket.io: configured and web chat origins only', async () => {
      const handshake = (origin: string) => fetch(`${sut.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
      const evil = await handshake('https://evil.example');
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      const site = await handshake(ORIGIN);
      expect(site.status).toBe(200);
      expect(site.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      // A web chat site may open the widget namespace, not the agents' one.
      const agentSocket = io(sut.url, { auth: { token: admin }, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { origin: ORIGIN } });
      sockets.push(agentSocket);
      const refused = await new Promise<any>((resolve) => {
        agentSocket.once('connect', () => resolve('connected'));
        agentSocket.once('connect_error', (err: any) => resolve(err.data));
      });
      expect(refused).toEqual({ code: 'FORBIDDEN' });
    });

    it('turns the API docs off with API_DOCS=false and sends HSTS when the public URL is https', async () => {
      const other = await bootApp({ DATABASE_URL: sut.databaseUrl, API_DOCS: 'false', PUBLIC_URL: 'https://support.example.com' });
      try {
        const address = other.server.app.getHttpServer().address();
        const base = `http://127.0.0.1:${address.port}`;
        const docs = await fetch(`${base}/api/docs-json`);
        expect(docs.status).toBe(404);
        const res = await fetch(`${base}/api/v1/health`);
        expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      } finally {
        await other.close();
      }
    });
  });

  describe('visitor and inbox tokens (item 12)', () => {
    it('refuses an expired visitor token and renews an old one on connect', async () => {
      const first = await session(widgetSocket({}));
      const claims = verifyVisitorToken(visitorKey, first.visitorToken)!;
      const now = Math.floor(Date.now() / 1000);
      const expired = signVisitorToken(visitorKey, { ...claims, issuedAt: now - 31 * 24 * 3600 });
      const history = await fetch(`${sut.url}/api/v1/widget/${chat.websiteToken}/messages`, { headers: { origin: ORIGIN, 'x-visitor-token': expired } });
      expect(history.status).toBe(401);
      // Old but alive: the session goes on with a fresh token.
      const old = signVisitorToken(visitorKey, { ...claims, issuedAt: now - 20 * 24 * 3600 });
      const resumed = await session(widgetSocket({ visitorToken: old }));
      expect(resumed.sessionId).toBe(first.sessionId);
      expect(verifyVisitorToken(visitorKey, resumed.visitorToken)!.issuedAt).toBeGreaterThanOrEqual(now);
      // An expired one starts a new session instead.
      const fresh = await session(widgetSocket({ visitorToken: expired }));
      expect(fresh.sessionId).not.toBe(first.sessionId);
    });

    it('stops an inbox token at once when the inbox is deactivated, on every replica, though replicas remember tokens they have seen', async () => {
      // Ingest recognises a token its replica has looked up before without a lookup of its own (its
      // storing statement checks the token on the inbox row instead): deactivating through one
      // replica must stop the token on the other, which still remembers it, whichever way ingest writes.
      const other = await bootApp({ DATABASE_URL: sut.databaseUrl });
      try {
        const replicas = [sut.url, `http://127.0.0.1:${other.server.app.getHttpServer().address().port}`];
        const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `API ${uid()}`, channel: 'api' } })).body;
        const sent: string[] = [];
        const post = async (replica: number, path: string, body: unknown) => {
          const res = await fetch(`${replicas[replica]}/api/v1/inboxes/${inbox.id}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${inbox.token}` },
            body: JSON.stringify(body),
          });
          return { status: res.status, body: await res.json() };
        };
        const message = (text = 'hi') => {
          const externalId = uid();
          sent.push(externalId);
          return { externalId, contact: { identifier: 'x' }, text };
        };
        const push = (replica: number, text?: string) => post(replica, '/incoming', message(text));
        const batch = (replica: number) => post(replica, '/incoming/batch', { messages: [message(), message()] });
        const active = async (on: boolean) => expect((await sut.api('PATCH', `/inboxes/${inbox.id}`, { token: admin, body: { active: on } })).status).toBe(200);
        const stored = async () => (await db.query(`SELECT count(*)::int AS n FROM messages WHERE external_id = ANY($1)`, [sent])).rows[0].n;

        // Each replica sees the token twice: the second time it is recognised from memory.
        const first = await push(1);
        expect(first.status).toBe(201);
        expect((await push(1)).status).toBe(201);
        for (let i = 0; i < 2; i++) expect((await batch(0)).body.results.map((r: { status: number }) => r.status)).toEqual([201, 201]);
        expect(await stored()).toBe(6);
        // The conversation resolved with a satisfaction survey awaiting the customer's reply (set up
        // directly: the survey's sending is another test's), so a "5" is taken as its answer, by a
        // path that writes before the storing statement.
        const conversationId = first.body.conversationId;
        expect((await sut.api('PATCH', `/conversations/${conversationId}`, { token: admin, body: { status: 'resolved' } })).status).toBe(200);
        await db.query(
          `INSERT INTO csat_surveys (conversation_id, inbox_id, contact_id, channel, locale, scale, question, status, sent_at, expires_at)
           VALUES ($1, $2, $3, 'api', 'en', 'stars', 'How did we do?', 'sent', now(), now() + interval '1 day')`,
          [conversationId, inbox.id, first.body.contactId],
        );
        const rated = async () => (await db.query(`SELECT count(*)::int AS n FROM csat_responses WHERE conversation_id = $1`, [conversationId])).rows[0].n;

        // Deactivated while both remember the token: the survey answer and the batch are refused.
        await active(false);
        const refused = await push(1, '5');
        expect(refused.status).toBe(401);
        expect(refused.body.code).toBe('UNAUTHENTICATED');
        expect((await batch(0)).status).toBe(401);
        // And once forgotten, looked up and refused as before.
        expect((await push(1, '5')).status).toBe(401);
        expect((await batch(0)).status).toBe(401);
        expect(await rated()).toBe(0);
        expect(await stored()).toBe(6);

        // On again, remembered again (the survey answer waits), then off: a plain message is refused by its storing statement.
        await active(true);
        for (const replica of [0, 1]) for (let i = 0; i < 2; i++) expect((await post(replica, '/incoming/batch', { messages: [] })).status).toBe(400);
        expect((await post(0, '/incoming', { text: 'no id' })).status).toBe(400);
        await active(false);
        expect((await push(0)).status).toBe(401);
        expect((await push(1)).status).toBe(401);
        expect(await stored()).toBe(6);

        // Active again: the same token works on both replicas, and the "5" answers the survey.
        await active(true);
        expect((await push(1, '5')).status).toBe(201);
        expect(await rated()).toBe(1);
        expect((await push(0)).status).toBe(201);
        expect(await stored()).toBe(8);
      } finally {
        await other.close();
      }
    });

    it('remembers inbox tokens only for ingest: another door that takes inbox tokens looks the token up every time', async () => {
      const phone = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Line ${uid()}`, channel: 'phone' } })).body;
      const call = () =>
        sut.api('POST', `/inboxes/${phone.id}/calls`, {
          token: phone.token,
          body: { externalId: `call-${uid()}`, direction: 'inbound', contact: { identifier: '+380670000001', phone: '+380670000001' }, status: 'ringing' },
        });
      expect((await call()).status).toBe(201);
      // The ingest door looks the token up and remembers it (the push itself is refused: wrong channel).
      const push = await sut.api('POST', `/inboxes/${phone.id}/incoming`, { token: phone.token, body: { externalId: uid(), contact: { identifier: 'x' }, text: 'hi' } });
      expect(push.status).toBeGreaterThanOrEqual(400);
      expect((await sut.api('PATCH', `/inboxes/${phone.id}`, { token: admin, body: { active: false } })).status).toBe(200);
      expect((await call()).status).toBe(401);
    });
  });

  describe('an agent socket back from a dropped connection (item 10)', () => {
    it("follows the agent's rights of now: no room or missed event of an inbox they left while away", async () => {
      const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `API ${uid()}`, channel: 'api' } })).body;
      const email = `agent-${uid()}@example.com`;
      const agent = (await sut.api('POST', '/users', { token: admin, body: { email, name: `Agent ${uid()}`, password: 'a-password-1', role: 'agent' } })).body;
      expect((await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: agent.id } })).status).toBeLessThan(300);
      const token = await sut.login(email, 'a-password-1');
      const ingest = async () => {
        const res = await sut.api('POST', `/inboxes/${inbox.id}/incoming`, {
          token: inbox.token,
          body: { externalId: uid(), contact: { identifier: `c-${uid()}` }, text: 'hello' },
        });
        expect(res.status).toBe(201);
        return res.body.conversationId as string;
      };
      // A socket.io client as the web app's (which reconnects by itself after a drop; here by hand, when the test says).
      const heard: string[] = [];
      const s = io(sut.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(s);
      s.onAny((_event: string, payload: any) => heard.push(String(payload?.data?.conversationId ?? payload?.data?.id ?? '')));
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
      const before = await ingest();
      await eventually(async () => heard.includes(before), 15000, 'the member hears its inbox');

      // The network drops (not a logout): the server sees the transport close.
      const dropped = new Promise<string>((resolve) => s.once('disconnect', resolve));
      (s.io as unknown as { engine: { close(): void } }).engine.close();
      await dropped;
      await eventually(async () => (await db.query(`SELECT 1 FROM agent_connections WHERE user_id = $1`, [agent.id])).rowCount === 0, 15000, 'the server saw the drop');
      // Away, the agent leaves the inbox, and the inbox gets a message.
      expect((await sut.api('DELETE', `/inboxes/${inbox.id}/members/${agent.id}`, { token: admin })).status).toBe(204);
      const whileAway = await ingest();

      // Back within seconds, as the client would be.
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
        s.connect();
      });
      expect(s.recovered).toBeFalsy();
      const watcher = io(sut.url, { auth: { token: admin }, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(watcher);
      const seenByAdmin: string[] = [];
      watcher.on('message.created', ({ data }) => seenByAdmin.push(data.conversationId));
      await new Promise<void>((resolve, reject) => {
        watcher.once('connect', () => resolve());
        watcher.once('connect_error', reject);
      });
      const later = await ingest();
      // The fan-out reached the admin's socket, set up after the agent's.
      await eventually(async () => seenByAdmin.includes(later), 15000, 'the admin hears the inbox');
      // The outbox replay the web app asks for after a drop follows the rights of now too.
      expect(await s.timeout(10000).emitWithAck('events.replay', { afterSeq: 0 })).toMatchObject({ ok: true });
      expect(heard.filter((id) => id === whileAway || id === later)).toEqual([]);
    });
  });
});
