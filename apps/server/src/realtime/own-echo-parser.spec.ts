import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { OwnEchoParser, redisAdapterSkippingOwnEchoes } from './own-echo-parser';

/** Two socket.io servers ("replicas") on one real Redis, as InboxIoAdapter wires them. */
describe('redisAdapterSkippingOwnEchoes', () => {
  const key = `echo-test-${randomBytes(4).toString('hex')}:socket.io`;
  const redis: Redis[] = [];
  const https: HttpServer[] = [];
  const servers: Server[] = [];
  const clients: Socket[] = [];
  let decode: jest.SpyInstance;

  const replica = async (): Promise<{ server: Server; url: string }> => {
    const pub = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    redis.push(pub, sub);
    const http = createServer();
    https.push(http);
    const server = new Server(http, { transports: ['websocket'] });
    servers.push(server);
    server.adapter(redisAdapterSkippingOwnEchoes(pub, sub, key));
    server.on('connection', (s) => void s.join('room'));
    server.of('/other');
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    return { server, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
  };
  const client = async (url: string): Promise<{ received: unknown[] }> => {
    const socket = connect(url, { transports: ['websocket'] });
    clients.push(socket);
    const received: unknown[] = [];
    socket.on('event', (data: unknown) => received.push(data));
    await new Promise((ok) => socket.once('connect', () => ok(undefined)));
    return { received };
  };

  beforeAll(() => {
    decode = jest.spyOn(OwnEchoParser.prototype, 'decode');
  });
  afterAll(async () => {
    decode.mockRestore();
    for (const c of clients) c.disconnect();
    for (const s of servers) await new Promise((ok) => s.close(() => ok(undefined)));
    await Promise.all(redis.map((r) => r.quit()));
  });

  it("delivers each replica's broadcasts to both replicas' sockets once, and does not decode its own echoes", async () => {
    const a = await replica();
    const b = await replica();
    const onA = await client(a.url);
    const onB = await client(b.url);
    // Both adapters have subscribed once their sockets joined the room (the adapter subscribes up front).
    await new Promise((ok) => setTimeout(ok, 100));
    decode.mockClear();
    for (let i = 0; i < 3; i++) a.server.to('room').emit('event', { from: 'a', i, text: 'x'.repeat(200) });
    for (let i = 0; i < 2; i++) b.server.to('room').emit('event', { from: 'b', i });
    const expected: unknown[] = [...[0, 1, 2].map((i) => ({ from: 'a', i, text: 'x'.repeat(200) })), ...[0, 1].map((i) => ({ from: 'b', i }))];
    const deadline = Date.now() + 5000;
    while ((onA.received.length < 5 || onB.received.length < 5 || decode.mock.calls.length < 10) && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 20));
    await new Promise((ok) => setTimeout(ok, 100));

    const sorted = (xs: unknown[]) => [...xs].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    expect(sorted(onA.received)).toEqual(sorted(expected));
    expect(sorted(onB.received)).toEqual(sorted(expected));
    // Each of the 5 broadcasts reached both adapters' subscriptions: 10 decodes. The 5 echoes to
    // their own sender came back as the sender's uid alone, the 5 others whole.
    const results = decode.mock.results.map((r) => r.value as unknown[]);
    expect(results).toHaveLength(10);
    expect(results.filter((r) => r.length === 1)).toHaveLength(5);
    expect(results.filter((r) => r.length === 3).map((r) => (r[1] as { data: [string, { from: string }] }).data[1].from)).toEqual(expect.arrayContaining(['a', 'b']));
    const uids = new Set(servers.map((s) => (s.of('/').adapter as unknown as { uid: string }).uid));
    for (const r of results) expect(uids.has(r[0] as string)).toBe(true);
  });

  it('decodes what is not an own broadcast as msgpack', () => {
    const parser = new OwnEchoParser();
    parser.adopt('abcdef');
    const other = parser.encode(['zyxwvu', { type: 2, data: ['event', 1] }, { rooms: ['room'] }]);
    expect(parser.decode(other)).toEqual(['zyxwvu', { type: 2, data: ['event', 1] }, { rooms: ['room'] }]);
    expect(parser.decode(parser.encode(['abcdef', { type: 2, data: ['event', 1] }, {}]))).toEqual(['abcdef']);
    // The adapter's requests are maps that carry the uid as a field.
    expect(parser.decode(parser.encode({ uid: 'abcdef', type: 0, requestId: 'r' }))).toEqual({ uid: 'abcdef', type: 0, requestId: 'r' });
  });
});
