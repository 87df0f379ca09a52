import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig, Transactions } from '@inbox/core';
import { CorkedWebSocketServer } from './corked-ws-server';
import { redisAdapterSkippingOwnEchoes } from './own-echo-parser';
import { SocketOriginPolicy } from './socket-origin.policy';

/** socket.io on the HTTP server; with REDIS_URL, the Redis adapter fans events out across replicas. */
export class InboxIoAdapter extends IoAdapter {
  private readonly logger = new Logger(InboxIoAdapter.name);
  private clients: Redis[] = [];
  private readonly origins: SocketOriginPolicy;

  constructor(
    app: INestApplicationContext,
    private readonly redisUrl: string | undefined,
    private readonly keyPrefix = 'inbox',
    config?: Pick<AppConfig, 'corsOrigins'>,
  ) {
    super(app);
    this.origins = new SocketOriginPolicy(config?.corsOrigins ?? [], async () => {
      const rows = await app
        .get(Transactions)
        .manager.query<Array<{ o: string }>>(`SELECT DISTINCT jsonb_array_elements_text(settings->'allowedOrigins') AS o FROM inboxes WHERE channel = 'webchat' AND active`);
      return rows.map((r) => r.o);
    });
  }

  async connectRedis(): Promise<void> {
    if (!this.redisUrl) return;
    // Auto-pipelining: the adapter publishes once per emit, and a commit's events are emitted in
    // one pass; ioredis sends the publishes of a tick in one write.
    const pub = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    this.clients = [pub, sub];
    for (const c of this.clients) c.on('error', (err) => this.logger.warn({ err: err.message }, 'redis error'));
    this.logger.log('socket.io Redis adapter enabled');
  }

  createIOServer(port: number, options?: ServerOptions): Server {
    const server: Server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: 1e6,
      wsEngine: CorkedWebSocketServer,
      pingInterval: 20000,
      pingTimeout: 20000,
      // Never reflect any origin: CORS headers (polling) for CORS_ORIGINS and web chat inboxes' allowed sites; each
      // namespace then checks the handshake's origin itself (agents below, visitors per inbox in the widget gateway).
      cors: {
        origin: (origin: string | undefined, cb: (err: Error | null, allow?: boolean) => void) =>
          void this.origins.allowsCors(origin).then(
            (ok) => cb(null, ok),
            () => cb(null, false),
          ),
        credentials: true,
      },
    });
    // Agent sockets only from the inbox's own origin or CORS_ORIGINS (web chat sites get the /widget namespace only).
    server.of('/').use((socket, next) => {
      if (this.origins.allowsAgent(socket.handshake.headers.origin, socket.handshake.headers.host)) return next();
      const e = new Error('origin not allowed') as Error & { data: unknown };
      e.data = { code: 'FORBIDDEN' };
      next(e);
    });
    if (this.clients.length === 2) server.adapter(redisAdapterSkippingOwnEchoes(this.clients[0], this.clients[1], `${this.keyPrefix}:socket.io`));
    return server;
  }

  async dispose(): Promise<void> {
    // Publishes of the last tick leave on the next one (auto-pipelining): before QUIT, not after it.
    await new Promise((flushed) => setImmediate(flushed));
    await Promise.all(this.clients.map((c) => c.quit().catch(() => undefined)));
  }
}
