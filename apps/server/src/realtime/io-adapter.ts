import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';

/** socket.io on the HTTP server; with REDIS_URL, the Redis adapter fans events out across replicas. */
export class InboxIoAdapter extends IoAdapter {
  private readonly logger = new Logger(InboxIoAdapter.name);
  private clients: Redis[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly redisUrl: string | undefined,
    private readonly keyPrefix = 'inbox',
  ) {
    super(app);
  }

  async connectRedis(): Promise<void> {
    if (!this.redisUrl) return;
    const pub = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    this.clients = [pub, sub];
    for (const c of this.clients) c.on('error', (err) => this.logger.warn({ err: err.message }, 'redis error'));
    this.logger.log('socket.io Redis adapter enabled');
  }

  createIOServer(port: number, options?: ServerOptions): Server {
    const server: Server = super.createIOServer(port, { ...options, maxHttpBufferSize: 1e6, pingInterval: 20000, pingTimeout: 20000 });
    if (this.clients.length === 2) server.adapter(createAdapter(this.clients[0], this.clients[1], { key: `${this.keyPrefix}:socket.io` }));
    return server;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.quit().catch(() => undefined)));
  }
}
