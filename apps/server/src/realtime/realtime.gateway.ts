import { Inject, Logger, OnApplicationShutdown } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import {
  APP_CONFIG,
  AppConfig,
  AccessChange,
  AccessChanges,
  AccessService,
  Action,
  assertCan,
  DomainError,
  DomainEvent,
  DomainEvents,
  ConversationService,
  InboxRepository,
  OutboxRepository,
  Principal,
  Transactions,
  isStaff,
} from '@inbox/core';
import { rooms, type Ack, type ClientToServerEvents, type ConversationSummary, type ServerToClientEvents, type SessionEnded } from '@inbox/realtime-contract';
import { TokenService } from '../auth/token.service';
import { PresenceService } from '../routing/presence.service';
import { RoutingService } from '../routing/routing.service';
import { QueueStatsService } from './queue-stats.service';
import { TokenBucket, requireInt, requireOneOf, requireUuid, toErrorAck } from './socket-guards';

interface SocketData {
  principal: Principal;
  /** The credential the socket opened with: re-checked before every command. */
  token: string;
  bucket: TokenBucket;
  expiryTimer?: NodeJS.Timeout;
  /** Rooms joined and presence recorded: commands wait for it. */
  ready: Promise<void>;
}
type InboxSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type InboxServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

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

interface ConversationMeta {
  inboxId: string;
  assigneeId: string | null;
  teamId: string | null;
}

/**
 * The realtime edge: authenticates at the handshake, joins rooms, validates commands and
 * hands them to services, and turns committed domain events into emits to the rooms
 * that may see them. Services never import it: it subscribes to DomainEvents.
 */
@WebSocketGateway({ connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false } })
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeGateway.name);
  @WebSocketServer() io: InboxServer;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly tokens: TokenService,
    private readonly tx: Transactions,
    private readonly events: DomainEvents,
    private readonly outbox: OutboxRepository,
    private readonly access: AccessService,
    private readonly inboxes: InboxRepository,
    private readonly presence: PresenceService,
    private readonly routing: RoutingService,
    private readonly conversations: ConversationService,
    private readonly stats: QueueStatsService,
    private readonly accessChanges: AccessChanges,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
    this.unsubscribe = this.events.subscribe((e) => this.fanOut(e));
    this.unsubscribeAccess = this.accessChanges.subscribe((c) => this.onAccessChange(c));
    this.stats.attach((payload) => io.local.to(rooms.coordinators).emit('queue.stats', { seq: 0, data: payload }));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    this.unsubscribeAccess?.();
  }

  private unsubscribeAccess: (() => void) | null = null;

  /**
   * Rights changed: the subject's sockets on every replica (the adapter carries `in(room)`
   * operations across replicas) are told why and closed. A client reconnects with its token
   * after ACCESS_CHANGED and gets rooms that follow its new rights; after SESSION_REVOKED
   * the handshake refuses it and it logs in again.
   */
  private async onAccessChange(c: AccessChange): Promise<void> {
    if (!this.io) return;
    const room = c.subject === 'bot' ? rooms.bot(c.id) : rooms.agent(c.id);
    const code: SessionEnded['code'] = c.effect === 'ended' ? 'SESSION_REVOKED' : 'ACCESS_CHANGED';
    this.io.in(room).emit('session.ended', { code });
    this.io.in(room).disconnectSockets(true);
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
        await socket.join(['bots', rooms.bot(p.id)]);
        return;
      }
      if (p.type !== 'user') return;
      const joins = [rooms.agent(p.id)];
      if (isStaff(p)) joins.push(rooms.coordinators);
      const teams: Array<{ team_id: string }> = await this.tx.manager.query(`SELECT team_id FROM team_members WHERE user_id = $1`, [p.id]);
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
      return this.replay(socket, p, afterSeq);
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
    socket.data.principal = now;
    return now;
  }

  /** Events this socket may have missed, from the outbox, filtered by what it may see. */
  private async replay(socket: InboxSocket, p: Principal, afterSeq: number): Promise<{ replayed: number; lastSeq: number }> {
    let replayed = 0;
    let lastSeq = afterSeq;
    for (;;) {
      const batch = await this.outbox.after(this.tx.manager, lastSeq, 500);
      for (const e of batch) {
        lastSeq = e.seq;
        if (await this.mayReceive(p, e)) {
          socket.emit(e.type as 'message.created', { seq: e.seq, data: e.payload as never });
          replayed++;
        }
      }
      if (batch.length < 500 || replayed >= 5000) break;
    }
    return { replayed, lastSeq };
  }

  private async mayReceive(p: Principal, e: DomainEvent): Promise<boolean> {
    if (p.type === 'bot' || isStaff(p)) return true;
    if (p.type !== 'user') return false;
    if (e.type === 'agent.presence') return (e.payload as { agentId: string }).agentId === p.id;
    if (e.type === 'conversation.offered') return (e.payload as { agentId: string }).agentId === p.id;
    if (!e.conversationId) return false;
    const meta = await this.metaOf(e.conversationId, e);
    if (!meta) return false;
    return this.access.canSeeConversation(this.tx.manager, p, { id: e.conversationId, inboxId: meta.inboxId, assigneeId: meta.assigneeId });
  }

  /**
   * Who may see a conversation's events. A message event often follows, in the same commit,
   * the conversation event that carries this: reuse it then; otherwise read fresh (another
   * commit, or another replica, may have moved the conversation since).
   */
  private readonly recentMeta = new Map<string, { meta: ConversationMeta; batch: number | undefined }>();
  private async metaOf(conversationId: string, e?: DomainEvent): Promise<ConversationMeta | null> {
    if (e && (e.type === 'conversation.created' || e.type === 'conversation.updated')) {
      const c = e.payload as unknown as ConversationSummary;
      const meta = { inboxId: c.inboxId, assigneeId: c.assigneeId, teamId: c.teamId };
      if (this.recentMeta.size > 10_000) this.recentMeta.clear();
      this.recentMeta.set(conversationId, { meta, batch: e.batch });
      return meta;
    }
    const recent = this.recentMeta.get(conversationId);
    if (recent && e?.batch !== undefined && recent.batch === e.batch) return recent.meta;
    const [row] = await this.tx.manager.query(`SELECT inbox_id, assignee_id, team_id FROM conversations WHERE id = $1`, [conversationId]);
    return row ? { inboxId: row.inbox_id, assigneeId: row.assignee_id, teamId: row.team_id } : null;
  }

  /** One committed event → one emit to the union of rooms allowed to see it. */
  private async fanOut(e: DomainEvent): Promise<void> {
    if (!this.io) return;
    const targets = new Set<string>([rooms.coordinators, 'bots']);
    if (e.type === 'agent.presence') {
      targets.add(rooms.agent((e.payload as { agentId: string }).agentId));
    } else if (e.type === 'conversation.offered') {
      targets.delete('bots');
      targets.add(rooms.agent((e.payload as { agentId: string }).agentId));
    } else if (e.conversationId) {
      const meta = await this.metaOf(e.conversationId, e);
      targets.add(rooms.conversation(e.conversationId));
      if (meta) {
        // The inbox room is the audience: a team member who is not in the inbox must not get
        // the conversation (REST answers them 403), so the team room is not a target here.
        targets.add(rooms.inbox(meta.inboxId));
        if (meta.assigneeId) targets.add(rooms.agent(meta.assigneeId));
      }
      if (e.type === 'conversation.assigned') {
        const a = e.payload as { agentId: string | null; previousAgentId: string | null };
        if (a.agentId) targets.add(rooms.agent(a.agentId));
        if (a.previousAgentId) targets.add(rooms.agent(a.previousAgentId));
      }
    }
    this.io.to([...targets]).emit(e.type as 'message.created', { seq: e.seq, data: e.payload as never });
  }
}
