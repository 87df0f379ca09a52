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
  // Bytes are forwarded by hand, not with pipe(): a piped stream resumes itself when its
  // destination drains, so pause() cannot hold a freeze. Frozen bytes wait here until restore().
  interface Pair {
    sockets: [Socket, Socket];
    held: Array<{ to: Socket; chunk: Buffer }>;
  }
  const pairs = new Set<Pair>();
  const server: Server = createServer((client) => {
    if (mode === 'cut') return void client.destroy();
    const upstream = connect(targetPort, targetHost);
    const pair: Pair = { sockets: [client, upstream], held: [] };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (mode === 'frozen') pair.held.push({ to, chunk });
        else to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
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
      for (const pair of [...pairs]) for (const s of pair.sockets) s.destroy();
    },
    freeze: () => {
      // Nothing is forwarded from now on, on old and new connections alike; every socket stays open.
      mode = 'frozen';
    },
    restore: () => {
      mode = 'open';
      for (const pair of pairs) for (const { to, chunk } of pair.held.splice(0)) to.write(chunk);
    },
    close: () =>
      new Promise((r) => {
        for (const pair of [...pairs]) for (const s of pair.sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
