import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { AccessChange, AccessChanges, AccessService, DomainEvent, DomainEvents, OutboxRepository, Principal, Transactions, isStaff } from '@inbox/core';
import { rooms, type ServerEventName, type SessionEnded } from '@inbox/realtime-contract';
import { QueueStatsService } from './queue-stats.service';
import type { InboxServer, InboxSocket } from './realtime.types';

interface ConversationMeta {
  inboxId: string;
  assigneeId: string | null;
  teamId: string | null;
  status: string;
}

/** Scoped bots hear their inboxes here (not in the agents' inbox room: a bot-owned conversation is not the agents' yet). */
export const botInboxRoom = (inboxId: string) => `bots:inbox:${inboxId}`;

/** Anything socket.io can emit a server event on: the server, a room selection, one socket. */
interface EventTarget {
  emit(event: ServerEventName, envelope: { seq: number; data: DomainEvent['payload'] }): unknown;
}

/**
 * One committed event → one emit, in the contract's `{seq, data}` envelope. The event's type
 * names its payload (DomainEvent is a union keyed by type), which socket.io's per-event
 * signatures cannot follow through a union: this is the one place that bridges the two.
 */
export function emitEvent(target: unknown, e: DomainEvent): void {
  (target as EventTarget).emit(e.type, { seq: e.seq, data: e.payload });
}

/**
 * Turns committed domain events into emits to the rooms allowed to see them, replays missed
 * events from the outbox, and closes sockets whose rights changed. The gateway only does
 * handshakes and commands; services never import either: they publish DomainEvents and
 * AccessChanges.
 */
@Injectable()
export class RealtimeFanout implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RealtimeFanout.name);
  private io: InboxServer | null = null;
  private readonly unsubscribers: Array<() => void> = [];
  private closing = false;

  constructor(
    private readonly tx: Transactions,
    private readonly events: DomainEvents,
    private readonly outbox: OutboxRepository,
    private readonly access: AccessService,
    private readonly accessChanges: AccessChanges,
    private readonly stats: QueueStatsService,
  ) {}

  /** Called by the gateway once socket.io is up. */
  attach(io: InboxServer): void {
    this.io = io;
    this.unsubscribers.push(this.events.subscribe((e) => this.collect(e)));
    this.unsubscribers.push(this.accessChanges.subscribe((c) => this.onAccessChange(c)));
    this.stats.attach(
      (payload) => io.local.to(rooms.coordinators).emit('queue.stats', { seq: 0, data: payload }),
      // The adapter's rooms are this replica's sockets (the Redis adapter's too).
      () => (io.of('/').adapter.rooms.get(rooms.coordinators)?.size ?? 0) > 0,
    );
  }

  /**
   * Before Nest disposes the socket.io adapter (which quits its Redis clients): an emit after
   * that would be a publish on a closed connection, rejected where nobody can catch it. A
   * fan-out still reading its conversation when the app closes drops its emit instead.
   */
  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const off of this.unsubscribers.splice(0)) off();
  }

  /**
   * Rights changed: the subject's sockets on every replica (the adapter carries `in(room)`
   * operations across replicas) are told why and closed. A client reconnects with its token
   * after ACCESS_CHANGED and gets rooms that follow its new rights; after SESSION_REVOKED
   * the handshake refuses it and it logs in again.
   */
  private onAccessChange(c: AccessChange): void {
    if (!this.io || this.closing) return;
    const room = c.subject === 'bot' ? rooms.bot(c.id) : rooms.agent(c.id);
    const code: SessionEnded['code'] = c.effect === 'ended' ? 'SESSION_REVOKED' : 'ACCESS_CHANGED';
    this.io.in(room).emit('session.ended', { code });
    this.io.in(room).disconnectSockets(true);
  }

  /** Events this socket may have missed, from the outbox, filtered by what it may see. */
  async replay(socket: InboxSocket, p: Principal, afterSeq: number): Promise<{ replayed: number; lastSeq: number }> {
    let replayed = 0;
    let lastSeq = afterSeq;
    for (;;) {
      const batch = await this.outbox.after(this.tx.manager, lastSeq, 500);
      for (const e of batch) {
        lastSeq = e.seq;
        if (await this.mayReceive(p, e)) {
          emitEvent(socket, e);
          replayed++;
        }
      }
      if (batch.length < 500 || replayed >= 5000) break;
    }
    return { replayed, lastSeq };
  }

  private async mayReceive(p: Principal, e: DomainEvent): Promise<boolean> {
    // A mention is its user's alone: not the coordinators', not the bots', not the author's.
    if (e.type === 'mention.created' || e.type === 'mention.read') return p.type === 'user' && e.payload.userId === p.id;
    if (isStaff(p) || (p.type === 'bot' && p.inboxIds === null)) return true;
    if (p.type === 'bot') {
      if (!e.conversationId || e.type === 'conversation.offered') return false;
      const meta = await this.metaOf(e.conversationId, e);
      return meta !== null && this.access.canUseInbox(p, meta.inboxId);
    }
    if (p.type !== 'user') return false;
    if (e.type === 'agent.presence' || e.type === 'conversation.offered') return e.payload.agentId === p.id;
    if (!e.conversationId) return false;
    const meta = await this.metaOf(e.conversationId, e);
    if (!meta) return false;
    // A conversation a bot owns is the bot's until handoff: agents get its events from then on.
    if (meta.status === 'bot' && meta.assigneeId === null) return false;
    return this.access.canSeeConversation(this.tx.manager, p, { id: e.conversationId, inboxId: meta.inboxId, assigneeId: meta.assigneeId });
  }

  /**
   * Who may see a conversation's events: the conversation's summary when the event carries it,
   * else the one another event of the same commit carried (`known`), else a fresh read.
   */
  private async metaOf(conversationId: string, e?: DomainEvent, known?: Map<string, ConversationMeta>): Promise<ConversationMeta | null> {
    if (e && (e.type === 'conversation.created' || e.type === 'conversation.updated')) return metaOfSummary(e.payload);
    const meta = known?.get(conversationId);
    if (meta) return meta;
    const [row] = await this.tx.manager.query<Array<{ inbox_id: string; assignee_id: string | null; team_id: string | null; status: string }>>(
      `SELECT inbox_id, assignee_id, team_id, status FROM conversations WHERE id = $1`,
      [conversationId],
    );
    return row ? { inboxId: row.inbox_id, assigneeId: row.assignee_id, teamId: row.team_id, status: row.status } : null;
  }

  /**
   * The events of one commit arrive one after another in the same tick: gather them and fan out
   * once the tick ends, so every event of the commit can use the conversation summary any of them
   * carries (an assignment's activity line and `conversation.assigned` come before its
   * `conversation.updated`) instead of reading the conversation again.
   */
  private readonly gathered: DomainEvent[] = [];
  private collect(e: DomainEvent): void {
    this.gathered.push(e);
    if (this.gathered.length === 1) queueMicrotask(() => this.flush());
  }

  /** The emits of earlier commits, in order: a commit's events go out after them. */
  private emitted: Promise<void> = Promise.resolve();

  /**
   * Each event's rooms are found side by side (at most a read each), and the emits follow the
   * commits' order. Fanning each commit out as its reads came back let two commits moments apart
   * overtake each other: a reply's `sending` and `sent` (two commits a few milliseconds apart, each
   * reading its conversation) reached an agent as `sent`, then `sending`, and the reply showed
   * `sending` for good (seen in CI's browser test).
   */
  private flush(): void {
    const events = this.gathered.splice(0);
    // The last summary of a conversation in a commit is its state at that commit.
    const known = new Map<string, Map<string, ConversationMeta>>();
    for (const e of events) {
      if (e.type !== 'conversation.created' && e.type !== 'conversation.updated') continue;
      const key = String(e.batch ?? `seq:${e.seq}`);
      const metas = known.get(key) ?? new Map<string, ConversationMeta>();
      metas.set(e.payload.id, metaOfSummary(e.payload));
      known.set(key, metas);
    }
    const audiences = events.map((e) =>
      this.audience(e, known.get(String(e.batch ?? `seq:${e.seq}`))).catch((err) => {
        this.logger.error({ err, type: e.type }, 'fan-out failed');
        return null;
      }),
    );
    this.emitted = this.emitted.then(async () => {
      for (const [i, e] of events.entries()) {
        const targets = await audiences[i];
        if (targets && this.io && !this.closing) emitEvent(this.io.to(targets), e);
      }
    });
  }

  /** The union of rooms allowed to see one committed event. */
  private async audience(e: DomainEvent, known?: Map<string, ConversationMeta>): Promise<string[]> {
    if (e.type === 'mention.created' || e.type === 'mention.read') return [rooms.agent(e.payload.userId)];
    const targets = new Set<string>([rooms.coordinators, 'bots']);
    if (e.type === 'agent.presence') {
      targets.add(rooms.agent(e.payload.agentId));
    } else if (e.type === 'conversation.offered') {
      targets.delete('bots');
      targets.add(rooms.agent(e.payload.agentId));
    } else if (e.type === 'sla.warning' || e.type === 'sla.breached') {
      // Service-level alerts go to those who act on them: the coordinators and the assignee.
      targets.delete('bots');
      if (e.payload.assigneeId) targets.add(rooms.agent(e.payload.assigneeId));
    } else if (e.conversationId) {
      const meta = await this.metaOf(e.conversationId, e, known);
      targets.add(rooms.conversation(e.conversationId));
      if (meta) {
        // The inbox room is the audience: a team member who is not in the inbox must not get
        // the conversation (REST answers them 403), so the team room is not a target here.
        targets.add(botInboxRoom(meta.inboxId));
        // A bot-owned conversation reaches agents only after handoff (coordinators watch throughout).
        if (meta.status !== 'bot' || meta.assigneeId) targets.add(rooms.inbox(meta.inboxId));
        if (meta.assigneeId) targets.add(rooms.agent(meta.assigneeId));
      }
      if (e.type === 'conversation.assigned') {
        if (e.payload.agentId) targets.add(rooms.agent(e.payload.agentId));
        if (e.payload.previousAgentId) targets.add(rooms.agent(e.payload.previousAgentId));
      }
    }
    return [...targets];
  }
}

function metaOfSummary(c: { inboxId: string; assigneeId: string | null; teamId: string | null; status: string }): ConversationMeta {
  return { inboxId: c.inboxId, assigneeId: c.assigneeId, teamId: c.teamId, status: c.status };
}
