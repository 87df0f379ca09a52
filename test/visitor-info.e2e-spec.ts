import { Client } from 'pg';
import { io, Socket } from 'socket.io-client';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';

const ORIGIN = 'https://shop.example.com';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** Web chat visitors as agents see them: browser, OS, page, referrer and time zone, and "Visitor #N" until they give a name. */
describe('web chat visitor info', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let inbox: { id: string; websiteToken: string };
  let agent: string;
  const open: Socket[] = [];

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture());
    inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Shop', channel: 'webchat', allowedOrigins: [ORIGIN] } })).body;
    const email = `vi-${uid()}@example.com`;
    const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Vi', password: 'agent-password', role: 'agent', capacity: { webchat: 50 } } })).body;
    await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
    agent = await sut.login(email, 'agent-password');
  });

  afterEach(() => {
    while (open.length) open.pop()!.close();
  });

  afterAll(async () => {
    await sut?.close();
  });

  /** A visitor's socket as the widget opens it: the browser's User-Agent and Origin headers, the page hints in the handshake. */
  async function visitor(opts: { userAgent: string; visitor?: Record<string, unknown>; visitorToken?: string }) {
    const socket = io(`${sut.url}/widget`, {
      auth: { websiteToken: inbox.websiteToken, visitorToken: opts.visitorToken ?? null, visitor: opts.visitor ?? null },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { origin: ORIGIN, 'user-agent': opts.userAgent },
    });
    open.push(socket);
    const session = await new Promise<any>((resolve, reject) => {
      socket.once('session', resolve);
      socket.once('connect_error', reject);
    });
    const send = (text: string) => socket.timeout(10000).emitWithAck('message.send', { clientId: uid() + uid(), text });
    return { socket, session, send };
  }

  const conversationOf = async (sessionId: string) => {
    const { rows } = await db.query(`SELECT id, contact_id FROM conversations WHERE inbox_id = $1 AND thread_key = $2`, [inbox.id, sessionId]);
    return rows[0] as { id: string; contact_id: string };
  };

  it('stores the browser, OS, page, referrer and time zone on the contact, and the agent reads them with a Visitor number', async () => {
    const v = await visitor({
      userAgent: FIREFOX_LINUX,
      visitor: {
        pageUrl: 'https://shop.example.com/cart?step=2',
        pageTitle: 'Your cart',
        referrer: 'https://search.example/?q=blender',
        timeZone: 'Europe/Kyiv',
        utcOffsetMinutes: 120,
      },
    });
    expect((await v.send('is shipping free?')).ok).toBe(true);
    const conv = await conversationOf(v.session.sessionId);

    const summary = (await sut.api('GET', `/conversations/${conv.id}`, { token: agent })).body;
    expect(summary).toMatchObject({ contactName: null, contactNumber: expect.any(Number) });
    const contact = (await sut.api('GET', `/contacts/${conv.contact_id}`, { token: agent })).body;
    expect(contact.number).toBe(summary.contactNumber);
    expect(contact.visitor).toMatchObject({
      browser: 'Firefox',
      browserVersion: '133.0',
      os: 'Linux',
      device: 'desktop',
      pageUrl: 'https://shop.example.com/cart?step=2',
      pageTitle: 'Your cart',
      referrer: 'https://search.example/?q=blender',
      timeZone: 'Europe/Kyiv',
      utcOffsetMinutes: 120,
    });
    // The list carries the number too, so "Visitor #N" reads the same in the list, the header and the panel.
    const list = (await sut.api('GET', `/conversations?inboxId=${inbox.id}`, { token: agent })).body;
    expect(list.items.find((c: { id: string }) => c.id === conv.id)).toMatchObject({ contactNumber: contact.number });
    // "#N" finds the contact.
    const found = (await sut.api('GET', `/contacts?search=${encodeURIComponent(`Visitor #${contact.number}`)}`, { token: agent })).body;
    expect(found.items.map((c: { id: string }) => c.id)).toEqual([conv.contact_id]);
  });

  it('gives every visitor its own stable number, and keeps it when the visitor comes back from another page', async () => {
    const first = await visitor({ userAgent: SAFARI_IPHONE, visitor: { pageUrl: 'https://shop.example.com/', timeZone: 'America/New_York', utcOffsetMinutes: -300 } });
    const second = await visitor({ userAgent: FIREFOX_LINUX });
    await first.send('hello from the phone');
    await second.send('hello from the laptop');
    const [a, b] = [await conversationOf(first.session.sessionId), await conversationOf(second.session.sessionId)];
    const numberOf = async (contactId: string) => (await sut.api('GET', `/contacts/${contactId}`, { token: agent })).body;
    const [ca, cb] = [await numberOf(a.contact_id), await numberOf(b.contact_id)];
    expect(ca.number).not.toBe(cb.number);
    expect(ca.visitor).toMatchObject({ browser: 'Safari', os: 'iOS', device: 'mobile', timeZone: 'America/New_York' });
    expect(cb.visitor).toMatchObject({ browser: 'Firefox', pageUrl: null, timeZone: null });

    first.socket.close();
    // The same browser (its visitor token) on another page: the contact follows the page, the number stays.
    await visitor({ userAgent: SAFARI_IPHONE, visitorToken: first.session.visitorToken, visitor: { pageUrl: 'https://shop.example.com/checkout', timeZone: 'America/New_York' } });
    const after = await eventually(async () => {
      const c = await numberOf(a.contact_id);
      return c.visitor?.pageUrl === 'https://shop.example.com/checkout' && c;
    });
    expect(after.number).toBe(ca.number);
  });

  it('drops hints that do not check out (a javascript: link, an unknown zone) and still chats', async () => {
    const v = await visitor({
      userAgent: FIREFOX_LINUX,
      visitor: { pageUrl: 'javascript:alert(1)', referrer: 'data:text/html,x', timeZone: 'Mars/Olympus', utcOffsetMinutes: 10_000 },
    });
    expect((await v.send('hi')).ok).toBe(true);
    const conv = await conversationOf(v.session.sessionId);
    const contact = (await sut.api('GET', `/contacts/${conv.contact_id}`, { token: agent })).body;
    expect(contact.visitor).toMatchObject({ browser: 'Firefox', pageUrl: null, referrer: null, timeZone: null, utcOffsetMinutes: null });
  });

  it('uses the pre-chat name once the visitor gives one', async () => {
    const v = await visitor({ userAgent: FIREFOX_LINUX });
    await v.send('hello');
    expect((await v.socket.timeout(10000).emitWithAck('contact.update', { name: 'Daria' })).ok).toBe(true);
    const conv = await conversationOf(v.session.sessionId);
    expect((await sut.api('GET', `/conversations/${conv.id}`, { token: agent })).body).toMatchObject({ contactName: 'Daria', contactNumber: expect.any(Number) });
  });
});
