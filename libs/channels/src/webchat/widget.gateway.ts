import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, AppConfig, CsatService, DomainError, Limiter, Transactions, RateLimits, TrustFn, clientIpOf, compileTrust } from '@inbox/core';
import { rooms } from '@inbox/realtime-contract';
import { KeyedRateLimiter } from './rate-limiter';
import { VisitorRooms } from './visitor-rooms';
import { WidgetFanout } from './widget-fanout.listener';
import { WebchatRepository } from './webchat.repository';
import { VisitorContext, WebchatVisitorService } from './webchat-visitor.service';
import type { WidgetClientEvents, WidgetHandshake, WidgetServerEvents } from '@inbox/realtime-contract/widget';

interface VisitorData {
  ctx: VisitorContext;
  token: string;
  ip: string;
}
type VisitorSocket = Socket<WidgetClientEvents, WidgetServerEvents, Record<string, never>, VisitorData>;

const KNOWN = new Set(['message.send', 'typing', 'read', 'contact.update', 'csat.rate']);

/** The socket's client address, with the same TRUSTED_PROXIES rule as express's `req.ip`. */
export function clientIp(address: string, headers: Record<string, string | string[] | undefined>, trust: TrustFn): string {
  return clientIpOf(address, headers, trust);
}

/**
 * Visitors' sockets, on their own namespace: authenticated by the website token (origin-checked)
 * and the signed visitor token, each joins only its session's room and can only write into
 * its own thread. Agents' replies and typing reach it through WidgetFanout.
 */
// The first gateway Nest scans creates the one socket.io server that every namespace shares, with
// its options: these mirror the agent gateway's (no connection-state recovery, see RealtimeGateway)
// so the server is the same whichever comes first. A visitor's socket gets its whole thread in
// `session` at every connect, a reconnect included.
@WebSocketGateway({ namespace: '/widget' })
export class WidgetGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(WidgetGateway.name);
  // Per address: shared by every replica (PostgreSQL). Per visitor: one socket's own pace, kept in memory.
  private readonly handshakesPerIp: Limiter;
  private readonly sendsPerIp: Limiter;
  private readonly sendsPerVisitor = new KeyedRateLimiter(20, 1);
  private readonly eventsPerVisitor = new KeyedRateLimiter(60, 10);
  private readonly trust: TrustFn;

  constructor(
    private readonly visitors: WebchatVisitorService,
    private readonly repo: WebchatRepository,
    private readonly tx: Transactions,
    private readonly rooms: VisitorRooms,
    private readonly fanout: WidgetFanout,
    private readonly csat: CsatService,
    limits: RateLimits,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.handshakesPerIp = limits.bursty('widget_connect_ip', { points: 2, durationSeconds: 1 }, { points: 60, durationSeconds: 60 });
    this.sendsPerIp = limits.bursty('widget_send_ip', { points: 5, durationSeconds: 1 }, { points: 120, durationSeconds: 60 });
    this.trust = compileTrust(config.trustedProxies);
  }

  afterInit(nsp: Namespace): void {
    this.rooms.attach(nsp);
    nsp.use(async (socket, next) => {
      const ip = clientIp(socket.handshake.address, socket.handshake.headers, this.trust);
      try {
        await this.handshakesPerIp.take(ip, 'too many connections from this address; try again shortly');
        const ctx = await this.visitors.connect((socket.handshake.auth ?? {}) as WidgetHandshake, socket.handshake.headers.origin, socket.handshake.headers['user-agent']);
        socket.data.ctx = { inbox: ctx.inbox, session: ctx.session };
        socket.data.token = ctx.token;
        socket.data.ip = ip;
        next();
      } catch (err) {
        if (!(err instanceof DomainError)) this.logger.error({ err }, 'widget handshake failed');
        const e = new Error(err instanceof DomainError ? err.message : 'connection refused') as Error & { data: unknown };
        e.data = { code: err instanceof DomainError ? err.code : 'INTERNAL' };
        next(e);
      }
    });
    this.fanout.attach(nsp);
  }

  async handleConnection(socket: VisitorSocket): Promise<void> {
    const { ctx } = socket.data;
    await socket.join(rooms.visitor(ctx.session.id));
    this.register(socket);
    try {
      socket.emit('session', await this.visitors.sessionPayload({ ...ctx, token: socket.data.token }));
    } catch (err) {
      this.logger.error({ err }, 'widget session payload failed');
      socket.disconnect(true);
    }
  }

  private register(socket: VisitorSocket): void {
    const { ctx, ip } = socket.data;
    const on = (event: keyof WidgetClientEvents, handler: (payload: unknown) => Promise<Record<string, unknown> | void>, limit?: () => Promise<void>) => {
      socket.on(event, async (payload: unknown, ack?: unknown) => {
        const reply = typeof ack === 'function' ? (ack as (a: unknown) => void) : () => undefined;
        if (!this.eventsPerVisitor.take(ctx.session.id)) {
          return reply({ ok: false, code: 'RATE_LIMITED', message: 'too many messages; slow down' });
        }
        try {
          await limit?.();
          reply({ ok: true, ...((await handler(payload)) ?? {}) });
          this.renewToken(socket);
        } catch (err) {
          if (!(err instanceof DomainError)) this.logger.error({ err, event }, 'widget command failed');
          reply(err instanceof DomainError ? { ok: false, code: err.code, message: err.message } : { ok: false, code: 'INTERNAL', message: 'internal error' });
        }
      });
    };
    socket.onAny((event: string, ...args: unknown[]) => {
      if (KNOWN.has(event)) return;
      const ack = args[args.length - 1];
      if (typeof ack === 'function') ack({ ok: false, code: 'UNKNOWN_EVENT', message: `unknown event "${event}"` });
    });
    on(
      'message.send',
      async (p) => {
        const r = await this.visitors.send(ctx, p);
        return { message: r.message, duplicate: r.duplicate };
      },
      async () => {
        if (!this.sendsPerVisitor.take(ctx.session.id)) throw new DomainError('RATE_LIMITED', 'too many messages; slow down');
        await this.sendsPerIp.take(ip, 'too many messages; slow down');
      },
    );
    on('read', async (p) => ({ read: await this.visitors.markRead(ctx, p) }));
    on('contact.update', async (p) => ({ contact: await this.visitors.updateContact(ctx, p) }));
    // The survey's signed token is the authority (as on the public rating page); it only ever reaches this visitor's chat.
    on('csat.rate', async (p) => {
      const body = (p ?? {}) as { token?: unknown; rating?: unknown; comment?: unknown };
      return { rating: (await this.csat.rate(body.token, body.rating, body.comment)).rating };
    });
    on('typing', async (p) => {
      const conv = await this.repo.openConversationOf(this.tx.manager, ctx.inbox.id, ctx.session.id);
      if (!conv) return;
      (socket.nsp.server.of('/') as unknown as Namespace).to(rooms.conversation(conv.id)).emit('typing', {
        conversationId: conv.id,
        userId: conv.contactId,
        name: conv.contactName ?? 'Visitor',
        typing: Boolean((p as { typing?: unknown } | null)?.typing),
      });
    });
  }

  /** Silent renewal: a socket whose token is past half its life gets a fresh one to keep. */
  private renewToken(socket: VisitorSocket): void {
    const fresh = this.visitors.renewedToken(socket.data.ctx, socket.data.token);
    if (!fresh) return;
    socket.data.token = fresh;
    socket.emit('token', { visitorToken: fresh });
  }
}
