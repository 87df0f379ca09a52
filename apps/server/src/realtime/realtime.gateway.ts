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

/** A command's payload as the client sent it: read field by field through socket-guards. */
type CommandPayload = any;

interface Command {
  /** The permission the command needs (null: none beyond a live session). */
  action: Action | null;
  run(socket: InboxSocket, payload: CommandPayload, p: Principal): Promise<Record<string, unknown> | void>;
}

function requireUser(p: Principal): Extract<Principal, { type: 'user' }> {
  if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'only agents can do this');
  return p;
}

/**
 * The realtime edge: authenticates at the handshake, joins rooms, validates commands and
 * hands them to services. Events reach sockets through RealtimeFanout; services never
 * import either.
 *
 * No socket.io connection-state recovery: it gave a socket back after a dropped connection with
 * the rooms it had then, and sent it the packets of those rooms it missed (before any middleware
 * ran), so an agent removed from an inbox while away kept hearing it. A socket back from a drop
 * is set up like a new one, from the rights of now, and the client asks the outbox for what it
 * missed (`events.replay`, filtered the same way). The recovery also kept every broadcast packet
 * in memory for two minutes, and the Redis adapter of several replicas never supported it.
 */
@WebSocketGateway({})
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

  /**
   * Every command, defined once for all sockets (a socket holds one `onAny` listener, not a
   * closure per command: thousands of idle agent sockets cost less memory).
   */
  private readonly commands: Partial<Record<keyof ClientToServerEvents, Command>> = {
    'presence.set': {
      action: 'presence.set',
      run: async (_socket, payload, p) => ({ presence: await this.presence.choose(requireUser(p).id, requireOneOf(payload, 'presence', ['online', 'away'] as const)) }),
    },
    'offer.accept': { action: 'offer.respond', run: (_socket, payload, p) => this.routing.acceptOffer(requireUser(p).id, requireUuid(payload, 'conversationId')) },
    'offer.decline': { action: 'offer.respond', run: (_socket, payload, p) => this.routing.declineOffer(requireUser(p).id, requireUuid(payload, 'conversationId')) },
    'conversation.join': {
      action: 'conversation.join',
      run: async (socket, payload, p) => {
        const id = requireUuid(payload, 'conversationId');
        await this.conversations.get(p, id); // 404 / 403 as over REST
        await socket.join(rooms.conversation(id));
      },
    },
    'conversation.leave': {
      action: null,
      run: async (socket, payload) => {
        await socket.leave(rooms.conversation(requireUuid(payload, 'conversationId')));
      },
    },
    typing: {
      action: 'conversation.typing',
      run: async (socket, payload, p) => {
        const user = requireUser(p);
        const id = requireUuid(payload, 'conversationId');
        if (!socket.rooms.has(rooms.conversation(id))) throw new DomainError('FORBIDDEN', 'join the conversation first');
        socket.to(rooms.conversation(id)).emit('typing', { conversationId: id, userId: user.id, name: user.name, typing: Boolean(payload?.typing) });
      },
    },
    'events.replay': { action: 'events.replay', run: (socket, payload, p) => this.fanout.replay(socket, p, requireInt(payload, 'afterSeq', 0, Number.MAX_SAFE_INTEGER)) },
    'coordinator.assign': {
      action: 'conversation.assign',
      run: (_socket, payload, p) => this.routing.coordinatorAssign(p, requireUuid(payload, 'conversationId'), requireUuid(payload, 'agentId'), payload?.force === true),
    },
    'coordinator.takeover': {
      action: 'conversation.takeover',
      run: (_socket, payload, p) => {
        const actor = requireUser(p);
        return this.routing.coordinatorAssign(actor, requireUuid(payload, 'conversationId'), actor.id, true);
      },
    },
    'coordinator.unassign': { action: 'conversation.unassign', run: (_socket, payload, p) => this.routing.unassign(p, requireUuid(payload, 'conversationId')) },
    'coordinator.transfer': {
      action: 'conversation.transfer',
      run: (_socket, payload, p) => this.routing.unassign(p, requireUuid(payload, 'conversationId'), 'transfer', requireUuid(payload, 'teamId')),
    },
    'coordinator.priority': {
      action: 'conversation.priority',
      run: async (_socket, payload, p) => {
        await this.conversations.update(p, requireUuid(payload, 'conversationId'), { priority: requireInt(payload, 'priority', 0, 3) });
      },
    },
  };

  private registerHandlers(socket: InboxSocket): void {
    socket.onAny((event: string, ...args: unknown[]) => void this.dispatch(socket, event, args));
  }

  /**
   * Every command runs as the principal's CURRENT self: the token is re-checked (expiry,
   * deactivation, token version, bot token rotation) and the role re-read, then the one
   * permission policy decides, exactly as the REST guard does.
   */
  private async dispatch(socket: InboxSocket, event: string, args: unknown[]): Promise<void> {
    const last = args[args.length - 1];
    const reply = typeof last === 'function' ? (last as (a: Ack) => void) : () => undefined;
    const command = Object.hasOwn(this.commands, event) ? this.commands[event as keyof ClientToServerEvents] : undefined;
    if (!command) return reply({ ok: false, code: 'UNKNOWN_EVENT', message: `unknown event "${event}"` });
    if (!socket.data.bucket.take()) return reply({ ok: false, code: 'RATE_LIMITED', message: 'too many events; slow down' });
    try {
      await socket.data.ready;
      const p = await this.currentPrincipal(socket);
      if (!p) return reply({ ok: false, code: 'UNAUTHENTICATED', message: 'this session has ended: log in again' });
      if (command.action) assertCan(p, command.action);
      // The payload is the first argument unless the client sent only an ack.
      const payload = typeof args[0] === 'function' ? undefined : args[0];
      const result = await command.run(socket, payload as CommandPayload, p);
      reply({ ok: true, ...(result ?? {}) });
    } catch (err) {
      if (!(err instanceof DomainError)) this.logger.error({ err, event }, 'socket command failed');
      reply(toErrorAck(err));
    }
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
