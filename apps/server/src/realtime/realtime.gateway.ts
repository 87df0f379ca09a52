import { Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Action, assertCan, DomainError, ConversationService, InboxRepository, Principal, Transactions, isStaff } from '@inbox/core';
import { rooms, type Ack, type ClientToServerEvents, type SessionEnded } from '@inbox/realtime-contract';
import { TokenService } from '../auth/token.service';
import { PresenceService } from '../routing/presence.service';
import { AssignmentService } from '../routing/assignment.service';
import { RealtimeFanout, botInboxRoom } from './realtime-fanout.listener';
import type { InboxServer, InboxSocket } from './realtime.types';
import { TokenBucket, requireInt, requireOneOf, requireUuid, toErrorAck } from './socket-guards';

const KNOWN_EVENTS = new Set<string>([
  'presence.set',
  'offer.accept',
  'offer.decline',
  'conversation.join',
  'conversation.leave',
  'typing',
  'events.replay',
  'coordinator.assign',
  'coordinator.transfer',
  'coordinator.unassign',
  'coordinator.takeover',
  'coordinator.priority',
]);

/**
 * The realtime edge: authenticates at the handshake, joins rooms, validates commands and
 * hands them to services. Events reach sockets through RealtimeFanout; services never
 * import either.
 */
@WebSocketGateway({ connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false } })
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(RealtimeGateway.name);
  @WebSocketServer() io: InboxServer;

  constructor(
    private readonly tokens: TokenService,
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly presence: PresenceService,
    private readonly routing: AssignmentService,
    private readonly conversations: ConversationService,
    private readonly fanout: RealtimeFanout,
  ) {}

  afterInit(io: InboxServer): void {
    io.use(async (socket, next) => {
      try {
        const auth = socket.handshake.auth as { token?: string } | undefined;
        const header = socket.handshake.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
        const token = auth?.token ?? header;
        const principal = await this.tokens.resolve(token);
        if (principal.type === 'inbox') throw new DomainError('FORBIDDEN', 'inbox tokens cannot open sockets');
        socket.data.principal = principal;
        socket.data.token = token!;
        socket.data.bucket = new TokenBucket();
        next();
      } catch (err) {
        const e = new Error(err instanceof DomainError ? err.message : 'authentication failed') as Error & { data: unknown };
        // `reason` (SESSION_EXPIRED / SESSION_REVOKED) tells the client to log in again rather than retry.
        e.data = { code: err instanceof DomainError ? err.code : 'UNAUTHENTICATED', reason: err instanceof DomainError ? err.details?.reason : undefined };
        next(e);
      }
    });
    this.fanout.attach(io);
  }

  /** Ends a socket's session, telling the client why first. */
  private endSession(socket: InboxSocket, code: SessionEnded['code']): void {
    socket.emit('session.ended', { code });
    socket.disconnect(true);
  }

  async handleConnection(socket: InboxSocket): Promise<void> {
    // A socket never outlives its token: at expiry the client is told, and must log in again.
    const expiresAt = this.tokens.expiresAt(socket.data.token);
    if (expiresAt !== null) {
      const delay = Math.max(0, Math.min(expiresAt - Date.now(), 2 ** 31 - 1));
      socket.data.expiryTimer = setTimeout(() => this.endSession(socket, 'SESSION_EXPIRED'), delay);
      socket.data.expiryTimer.unref();
    }
    socket.data.ready = this.setUp(socket);
    this.registerHandlers(socket);
    await socket.data.ready;
  }

  private async setUp(socket: InboxSocket): Promise<void> {
    const p = socket.data.principal;
    try {
      if (p.type === 'bot') {
        // An unscoped bot hears everything ('bots'); a scoped one only its inboxes' bot rooms.
        await socket.join([rooms.bot(p.id), ...(p.inboxIds === null ? ['bots'] : p.inboxIds.map(botInboxRoom))]);
        return;
      }
      if (p.type !== 'user') return;
      const joins = [rooms.agent(p.id)];
      if (isStaff(p)) joins.push(rooms.coordinators);
      const teams = await this.tx.manager.query<Array<{ team_id: string }>>(`SELECT team_id FROM team_members WHERE user_id = $1`, [p.id]);
      joins.push(...teams.map((t) => rooms.team(t.team_id)));
      const inboxes = await this.inboxes.list(this.tx.manager, p.id);
      joins.push(...inboxes.map((i) => rooms.inbox(i.id)));
      await socket.join(joins);
      await this.presence.connected(p.id);
    } catch (err) {
      this.logger.error({ err }, 'socket setup failed');
      socket.disconnect(true);
    }
  }

  async handleDisconnect(socket: InboxSocket): Promise<void> {
    if (socket.data.expiryTimer) clearTimeout(socket.data.expiryTimer);
    const p = socket.data.principal;
    if (p?.type === 'user') await this.presence.disconnected(p.id).catch((err) => this.logger.warn({ err }, 'presence update failed'));
  }

  private registerHandlers(socket: InboxSocket): void {
    /**
     * Every command runs as the principal's CURRENT self: the token is re-checked (expiry,
     * deactivation, token version, bot token rotation) and the role re-read, then the one
     * permission policy decides, exactly as the REST guard does.
     */
    const on = <E extends keyof ClientToServerEvents>(event: E, action: Action | null, handler: (payload: any, p: Principal) => Promise<Record<string, unknown> | void>) => {
      socket.on(event as any, async (payload: unknown, ack?: (a: Ack) => void) => {
        const reply = typeof ack === 'function' ? ack : () => undefined;
        if (!socket.data.bucket.take()) return reply({ ok: false, code: 'RATE_LIMITED', message: 'too many events; slow down' });
        try {
          await socket.data.ready;
          const p = await this.currentPrincipal(socket);
          if (!p) return reply({ ok: false, code: 'UNAUTHENTICATED', message: 'this session has ended: log in again' });
          if (action) assertCan(p, action);
          const result = await handler(payload, p);
          reply({ ok: true, ...(result ?? {}) });
        } catch (err) {
          if (!(err instanceof DomainError)) this.logger.error({ err, event }, 'socket command failed');
          reply(toErrorAck(err));
        }
      });
    };
    const requireUser = (p: Principal) => {
      if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'only agents can do this');
      return p;
    };

    socket.onAny((event: string, ...args: unknown[]) => {
      if (KNOWN_EVENTS.has(event)) return;
      const ack = args[args.length - 1];
      if (typeof ack === 'function') ack({ ok: false, code: 'UNKNOWN_EVENT', message: `unknown event "${event}"` });
    });

    on('presence.set', 'presence.set', async (payload, p) => {
      const user = requireUser(p);
      return { presence: await this.presence.choose(user.id, requireOneOf(payload, 'presence', ['online', 'away'] as const)) };
    });
    on('offer.accept', 'offer.respond', async (payload, p) => {
      await this.routing.acceptOffer(requireUser(p).id, requireUuid(payload, 'conversationId'));
    });
    on('offer.decline', 'offer.respond', async (payload, p) => {
      await this.routing.declineOffer(requireUser(p).id, requireUuid(payload, 'conversationId'));
    });
    on('conversation.join', 'conversation.join', async (payload, p) => {
      const id = requireUuid(payload, 'conversationId');
      await this.conversations.get(p, id); // 404 / 403 as over REST
      await socket.join(rooms.conversation(id));
    });
    on('conversation.leave', null, async (payload) => {
      await socket.leave(rooms.conversation(requireUuid(payload, 'conversationId')));
    });
    on('typing', 'conversation.typing', async (payload, p) => {
      const user = requireUser(p);
      const id = requireUuid(payload, 'conversationId');
      if (!socket.rooms.has(rooms.conversation(id))) throw new DomainError('FORBIDDEN', 'join the conversation first');
      socket.to(rooms.conversation(id)).emit('typing', { conversationId: id, userId: user.id, name: user.name, typing: Boolean(payload?.typing) });
    });
    on('events.replay', 'events.replay', async (payload, p) => {
      const afterSeq = requireInt(payload, 'afterSeq', 0, Number.MAX_SAFE_INTEGER);
      return this.fanout.replay(socket, p, afterSeq);
    });
    on('coordinator.assign', 'conversation.assign', async (payload, p) => {
      await this.routing.coordinatorAssign(p, requireUuid(payload, 'conversationId'), requireUuid(payload, 'agentId'), payload?.force === true);
    });
    on('coordinator.takeover', 'conversation.takeover', async (payload, p) => {
      const actor = requireUser(p);
      await this.routing.coordinatorAssign(actor, requireUuid(payload, 'conversationId'), actor.id, true);
    });
    on('coordinator.unassign', 'conversation.unassign', async (payload, p) => {
      await this.routing.unassign(p, requireUuid(payload, 'conversationId'));
    });
    on('coordinator.transfer', 'conversation.transfer', async (payload, p) => {
      await this.routing.unassign(p, requireUuid(payload, 'conversationId'), 'transfer', requireUuid(payload, 'teamId'));
    });
    on('coordinator.priority', 'conversation.priority', async (payload, p) => {
      await this.conversations.update(p, requireUuid(payload, 'conversationId'), { priority: requireInt(payload, 'priority', 0, 3) });
    });
  }

  /**
   * The socket's principal as it is now, or null when its session ended (the socket is then
   * closed). A changed role means the socket's rooms are stale: it is closed with
   * ACCESS_CHANGED so the client reconnects into the right ones (a safety net for set-ups
   * where the change was announced on another replica without a shared adapter).
   */
  private async currentPrincipal(socket: InboxSocket): Promise<Principal | null> {
    const before = socket.data.principal;
    let now: Principal;
    try {
      now = await this.tokens.resolve(socket.data.token);
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== 'UNAUTHENTICATED') throw err;
      this.endSession(socket, err.details?.reason === 'SESSION_EXPIRED' ? 'SESSION_EXPIRED' : 'SESSION_REVOKED');
      return null;
    }
    if (before.type === 'user' && now.type === 'user' && before.role !== now.role) {
      setImmediate(() => this.endSession(socket, 'ACCESS_CHANGED'));
    }
    if (before.type === 'bot' && now.type === 'bot' && JSON.stringify(before.inboxIds) !== JSON.stringify(now.inboxIds)) {
      setImmediate(() => this.endSession(socket, 'ACCESS_CHANGED'));
    }
    socket.data.principal = now;
    return now;
  }
}
