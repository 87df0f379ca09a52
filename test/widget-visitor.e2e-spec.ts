import { Client } from 'pg';
import { io, Socket } from 'socket.io-client';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';

const ORIGIN = 'https://shop.example.com';

interface Visitor {
  socket: Socket;
  session: any;
  received: Array<{ event: string; payload: any }>;
  send: (text: string, clientId?: string) => Promise<any>;
  close: () => void;
}

/** The visitor namespace over a real socket, as the widget uses it (the origin header set as a browser would). */
describe('web chat visitor API (sockets and REST)', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let inbox: { id: string; websiteToken: string; hmacSecret: string };
  let agent: { id: string; token: string };
  let agentSocket: RecordingSocket;
  const open: Array<{ close: () => void }> = [];

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture());
    inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Site', channel: 'webchat', allowedOrigins: [ORIGIN] } })).body;
    const email = `bo-${uid()}@example.com`;
    const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Bo', password: 'agent-password', role: 'agent', capacity: { webchat: 50 } } })).body;
    await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
    agent = { id: user.id, token: await sut.login(email, 'agent-password') };
    agentSocket = await connectSocket(sut.url, agent.token);
  });

  afterEach(() => {
    while (open.length) open.pop()!.close();
  });

  afterAll(async () => {
    agentSocket?.close();
    await sut?.close();
  });

  function rawSocket(auth: Record<string, unknown>, origin: string | null = ORIGIN): Socket {
    const socket = io(`${sut.url}/widget`, { auth, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: origin ? { origin } : {} });
    open.push({ close: () => socket.close() });
    return socket;
  }

  async function visitor(auth: Record<string, unknown> = {}): Promise<Visitor> {
    const socket = rawSocket({ websiteToken: inbox.websiteToken, ...auth });
    const received: Visitor['received'] = [];
    socket.onAny((event, payload) => received.push({ event, payload }));
    const session = await new Promise<any>((resolve, reject) => {
      socket.once('session', resolve);
      socket.once('connect_error', reject);
    });
    return {
      socket,
      session,
      received,
      send: (text, clientId = uid() + uid()) => socket.timeout(10000).emitWithAck('message.send', { clientId, text }),
      close: () => socket.close(),
    };
  }

  const refusal = (socket: Socket) => new Promise<any>((resolve) => socket.once('connect_error', (err: any) => resolve(err.data)));

  describe('inbox creation', () => {
    it('returns the snippet credentials once and refuses a webchat inbox without allowed origins', async () => {
      expect(inbox.websiteToken).toMatch(/^wt_/);
      expect(inbox.hmacSecret).toMatch(/^whmac_/);
      const listed = (await sut.api('GET', `/inboxes/${inbox.id}`, { token: admin })).body;
      expect(listed.settings).toMatchObject({ websiteToken: inbox.websiteToken, allowedOrigins: [ORIGIN] });
      expect(listed.settings.snippet).toBe(`<script src="${sut.server.config.publicUrl}/api/v1/widget/widget.js" data-website-token="${inbox.websiteToken}" async></script>`);
      expect(JSON.stringify(listed)).not.toContain(inbox.hmacSecret);
      const bad = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'No origins', channel: 'webchat', widget: { color: 'blue' } } });
      expect(bad.status).toBe(400);
      expect(bad.body.details.fields).toHaveProperty('allowedOrigins');
      expect(bad.body.details.fields).toHaveProperty(['widget.color']);
    });
  });

  describe('handshake', () => {
    it.each([
      ['an unknown website token', { websiteToken: 'wt_unknownunknownunknown' }, ORIGIN, 'UNAUTHENTICATED'],
      ['another origin', {}, 'https://evil.example.com', 'FORBIDDEN'],
      ['no origin', {}, null, 'FORBIDDEN'],
      ['a forged identity hash', { identifier: 'customer-1', identifierHash: '0'.repeat(64) }, ORIGIN, 'FORBIDDEN'],
    ])('refuses %s', async (_, auth, origin, code) => {
      expect(await refusal(rawSocket({ websiteToken: inbox.websiteToken, ...auth }, origin))).toEqual({ code });
    });

    it('resumes the session of a valid visitor token and starts a new one for a tampered token', async () => {
      const first = await visitor();
      const again = await visitor({ visitorToken: first.session.visitorToken });
      expect(again.session.sessionId).toBe(first.session.sessionId);
      const tampered = await visitor({ visitorToken: first.session.visitorToken.slice(0, -2) + 'AA' });
      expect(tampered.session.sessionId).not.toBe(first.session.sessionId);
    });
  });

  describe('messages', () => {
    it('a resend with the same client id is stored once', async () => {
      const v = await visitor();
      const a = await v.send('only once', 'client-id-0001');
      const b = await v.send('only once', 'client-id-0001');
      expect(a).toMatchObject({ ok: true, duplicate: false, message: { clientId: 'client-id-0001', text: 'only once', direction: 'inbound' } });
      expect(b).toMatchObject({ ok: true, duplicate: true, message: { id: a.message.id } });
      expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE text = 'only once'`)).rows[0].n).toBe(1);
    });

    it('delivers agent replies live with the agent name, never private notes, and marks them sent', async () => {
      const v = await visitor();
      const { message } = await v.send('hello?');
      const conversationId = (await db.query(`SELECT conversation_id FROM messages WHERE id = $1`, [message.id])).rows[0].conversation_id;
      await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'secret note', private: true } });
      const reply = (await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'Hi from support' } })).body;
      await eventually(async () => v.received.find((e) => e.event === 'message.created' && e.payload.id === reply.id));
      const got = v.received.find((e) => e.event === 'message.created' && e.payload.id === reply.id)!.payload;
      expect(got).toMatchObject({ direction: 'outbound', text: 'Hi from support', author: { type: 'user', name: expect.any(String) } });
      expect(Object.keys(got).sort()).toEqual(['attachments', 'author', 'clientId', 'createdAt', 'direction', 'id', 'status', 'text']);
      await eventually(async () => (await db.query(`SELECT status FROM messages WHERE id = $1`, [reply.id])).rows[0].status === 'sent', 20000, 'reply sent');
      expect(v.received.some((e) => JSON.stringify(e.payload).includes('secret note'))).toBe(false);
    });

    it('keeps one visitor out of another visitor’s messages', async () => {
      const a = await visitor();
      const b = await visitor();
      await a.send('from a');
      const history = await fetch(`${sut.url}/api/v1/widget/${inbox.websiteToken}/messages`, { headers: { origin: ORIGIN, 'x-visitor-token': b.session.visitorToken } });
      expect(history.status).toBe(200);
      expect((await history.json()).items).toEqual([]);
      const mine = await (
        await fetch(`${sut.url}/api/v1/widget/${inbox.websiteToken}/messages`, { headers: { origin: ORIGIN, 'x-visitor-token': a.session.visitorToken } })
      ).json();
      expect(mine.items.map((m: any) => m.text)).toEqual(['from a']);
      const forged = await fetch(`${sut.url}/api/v1/widget/${inbox.websiteToken}/messages`, { headers: { origin: ORIGIN, 'x-visitor-token': 'x.y' } });
      expect(forged.status).toBe(401);
    });

    it('refuses an oversized message and rate-limits a flooding visitor without losing accepted messages', async () => {
      const v = await visitor();
      expect(await v.send('x'.repeat(5001))).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
      expect(await v.send('   ')).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => v.send(`flood ${i}`)));
      const accepted = acks.filter((a) => a.ok).length;
      expect(acks.filter((a) => !a.ok).every((a) => a.code === 'RATE_LIMITED')).toBe(true);
      expect(accepted).toBeLessThan(30);
      expect(accepted).toBeGreaterThan(0);
      expect(
        (
          await db.query(`SELECT count(*)::int AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.thread_key = $1 AND m.direction = 'inbound'`, [
            v.session.sessionId,
          ])
        ).rows[0].n,
      ).toBe(accepted);
    });
  });

  describe('attachments', () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const upload = (token: string, body: Buffer, type = 'image/png', clientId = uid() + uid()) =>
      fetch(`${sut.url}/api/v1/widget/${inbox.websiteToken}/attachments?clientId=${clientId}`, {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': type, 'x-visitor-token': token, 'x-file-name': 'photo.png' },
        body: new Uint8Array(body),
      });

    it('stores an image as a message the agent sees, downloadable only through its short-lived signed link', async () => {
      const v = await visitor();
      const res = await upload(v.session.visitorToken, png);
      expect(res.status).toBe(201);
      const { message } = await res.json();
      expect(message.attachments).toEqual([expect.objectContaining({ fileName: 'photo.png', contentType: 'image/png', size: png.length })]);
      const seen = await agentSocket.waitFor('message.created', (d) => d.id === message.id);
      expect(seen.attachments).toEqual([expect.objectContaining({ fileName: 'photo.png', url: expect.stringMatching(/^\/api\/v1\/attachments\//) })]);
      expect(message.attachments[0].url).toMatch(/\?exp=\d+&sig=[\w-]+$/);
      expect(message.attachments[0].url).not.toContain(v.session.visitorToken);
      const url = `${sut.url}${message.attachments[0].url}`;
      const ok = await fetch(url);
      expect(ok.status).toBe(200);
      expect(Buffer.from(await ok.arrayBuffer())).toEqual(png);
      const bare = url.split('?')[0];
      expect((await fetch(bare)).status).toBe(401);
      // The visitor token is no longer a way in, and a signature is bound to its expiry.
      expect((await fetch(`${bare}?token=${encodeURIComponent(v.session.visitorToken)}`)).status).toBe(401);
      const { searchParams } = new URL(url);
      expect((await fetch(`${bare}?exp=${Number(searchParams.get('exp')) + 3600}&sig=${searchParams.get('sig')}`)).status).toBe(401);
    });

    it('refuses files that are too large or of a type it does not accept, storing nothing', async () => {
      const v = await visitor();
      const big = await upload(v.session.visitorToken, Buffer.alloc(5 * 1024 * 1024 + 1));
      expect(big.status).toBe(413);
      const exe = await upload(v.session.visitorToken, png, 'application/x-msdownload');
      expect(exe.status).toBe(400);
      expect((await exe.json()).message).toMatch(/not accepted/);
      expect((await db.query(`SELECT count(*)::int AS n FROM conversations WHERE thread_key = $1`, [v.session.sessionId])).rows[0].n).toBe(0);
    });
  });

  describe('CORS', () => {
    it('answers the preflight of an allowed origin and echoes it', async () => {
      const res = await fetch(`${sut.url}/api/v1/widget/${inbox.websiteToken}/attachments`, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-visitor-token' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(res.headers.get('access-control-allow-headers')).toContain('x-visitor-token');
    });
  });
});
