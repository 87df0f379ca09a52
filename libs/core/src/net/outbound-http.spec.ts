import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { HostResolver, isOutboundRefusal } from './outbound-address';
import { outboundDispatcher } from './outbound-http';

/** A real HTTP server on 127.0.0.1 that records the requests it gets. */
async function receiver(handle: (req: IncomingMessage, res: ServerResponse) => void = (_, res) => res.end('ok')) {
  const seen: Array<{ url: string; host: string | undefined }> = [];
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host });
    handle(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { port, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const fakeDns =
  (table: Record<string, string>): HostResolver =>
  async (host) =>
    table[host] ? [{ address: table[host], family: 4 }] : Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));

describe('outboundDispatcher', () => {
  let sut: ReturnType<typeof outboundDispatcher>;
  afterEach(async () => {
    await sut?.destroy();
  });

  it('refuses a loopback target before connecting', async () => {
    const r = await receiver();
    sut = outboundDispatcher({ allowPrivate: false });
    const err = await fetch(`http://127.0.0.1:${r.port}/hook`, { method: 'POST', body: '{}', dispatcher: sut }).catch((e: unknown) => e);
    expect(isOutboundRefusal(err)).toBe(true);
    expect(r.seen).toHaveLength(0);
    await r.close();
  });

  it('refuses a name that resolves to loopback', async () => {
    const r = await receiver();
    sut = outboundDispatcher({ allowPrivate: false });
    const err = await fetch(`http://localhost:${r.port}/hook`, { dispatcher: sut }).catch((e: unknown) => e);
    expect(isOutboundRefusal(err)).toBe(true);
    expect(r.seen).toHaveLength(0);
    await r.close();
  });

  it('connects to the address it checked, and keeps the name in the Host header', async () => {
    const r = await receiver();
    sut = outboundDispatcher({ allowPrivate: true }, { resolve: fakeDns({ 'hooks.test': '127.0.0.1' }) });
    const res = await fetch(`http://hooks.test:${r.port}/hook`, { dispatcher: sut });
    expect(res.status).toBe(200);
    expect(r.seen).toEqual([{ url: '/hook', host: `hooks.test:${r.port}` }]);
    await r.close();
  });

  // 0.0.0.0 reaches the local host on Linux: refused even when private targets are allowed.
  it('checks every redirect hop again: a hop to a refused address is never connected to', async () => {
    const inside = await receiver();
    const first = await receiver((_, res) => res.writeHead(302, { location: `http://sneaky.test:${inside.port}/admin` }).end());
    sut = outboundDispatcher({ allowPrivate: true }, { resolve: fakeDns({ 'sneaky.test': '0.0.0.0' }) });
    const err = await fetch(`http://127.0.0.1:${first.port}/hook`, { dispatcher: sut, redirect: 'follow' }).catch((e: unknown) => e);
    expect(first.seen).toHaveLength(1);
    expect(isOutboundRefusal(err)).toBe(true);
    expect(inside.seen).toHaveLength(0);
    await Promise.all([first.close(), inside.close()]);
  });
});
