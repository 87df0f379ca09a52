import { createServer, Server, Socket, connect } from 'node:net';

export interface TcpProxy {
  port: number;
  /** The same URL with its host and port replaced by the proxy's. */
  urlThrough(url: string): string;
  /** Destroys every open connection and refuses new ones (a partition that resets). */
  cut(): void;
  /** Stops forwarding in both directions and keeps every socket open (a frozen primary, a silent partition). */
  freeze(): void;
  /** Back to normal: frozen bytes flow again, new connections are accepted. */
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of PostgreSQL that a test can cut or freeze: no mock of the driver. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let mode: 'open' | 'cut' | 'frozen' = 'open';
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    if (mode === 'cut') return void client.destroy();
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    if (mode === 'frozen') for (const s of pair) s.pause();
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    urlThrough: (url) => {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut: () => {
      mode = 'cut';
      for (const pair of [...pairs]) for (const s of pair) s.destroy();
    },
    freeze: () => {
      mode = 'frozen';
      // Paused sockets read nothing, so nothing is forwarded; the connections stay open.
      for (const pair of pairs) for (const s of pair) s.pause();
    },
    restore: () => {
      mode = 'open';
      for (const pair of pairs) for (const s of pair) s.resume();
    },
    close: () =>
      new Promise((r) => {
        for (const pair of [...pairs]) for (const s of pair) s.destroy();
        server.close(() => r());
      }),
  };
}
