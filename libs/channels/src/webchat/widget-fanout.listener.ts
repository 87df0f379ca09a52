import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { DomainEvent, DomainEvents, Transactions } from '@inbox/core';
import { rooms } from '@inbox/realtime-contract';
import { VisitorRooms } from './visitor-rooms';
import { WebchatRepository } from './webchat.repository';
import { WebchatVisitorService } from './webchat-visitor.service';

/**
 * What visitors receive: customer-facing messages of their web chat conversation (from
 * committed domain events) and agents' typing. The widget gateway only does handshakes and
 * visitors' commands.
 */
@Injectable()
export class WidgetFanout implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WidgetFanout.name);
  private unsubscribe: (() => void) | null = null;
  /** Conversation id → visitor session (null for other channels); a conversation never changes thread. */
  private readonly sessionByConversation = new Map<string, { sessionId: string; inboxId: string; contactId: string } | null>();

  constructor(
    private readonly visitors: WebchatVisitorService,
    private readonly repo: WebchatRepository,
    private readonly tx: Transactions,
    private readonly events: DomainEvents,
    private readonly rooms: VisitorRooms,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.events.subscribe((e) => this.onDomainEvent(e));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Called by the widget gateway once its namespace exists. */
  attach(nsp: Namespace): void {
    this.relayAgentTyping(nsp);
  }

  /** Customer-facing messages of webchat conversations reach the visitor's room (other tabs included). */
  private async onDomainEvent(e: DomainEvent): Promise<void> {
    if ((e.type !== 'message.created' && e.type !== 'message.updated') || !e.conversationId) return;
    const m = e.payload;
    if (m.kind !== 'message') return;
    if (!(await this.isWebchatInbox(m.inboxId))) return;
    const target = await this.sessionOf(e.conversationId);
    if (!target) return;
    const websiteToken = await this.websiteTokenOf(target.inboxId);
    if (!websiteToken) return;
    const [vm] = await this.visitors.toVisitor(websiteToken, [m]);
    this.rooms.emit(target.sessionId, e.type, vm);
  }

  /**
   * An inbox never changes channel: one lookup per inbox keeps other channels' messages off this path.
   * The lookup itself is shared, so a batch's burst of messages of a new inbox reads it once.
   */
  private readonly webchatInbox = new Map<string, Promise<boolean>>();
  private isWebchatInbox(inboxId: string): Promise<boolean> {
    const known = this.webchatInbox.get(inboxId);
    if (known !== undefined) return known;
    const lookup = this.tx.manager.query<Array<{ channel: string }>>(`SELECT channel FROM inboxes WHERE id = $1`, [inboxId]).then(([row]) => {
      // An unknown inbox is asked again next time.
      if (!row) this.webchatInbox.delete(inboxId);
      return row?.channel === 'webchat';
    });
    lookup.catch(() => this.webchatInbox.delete(inboxId));
    this.webchatInbox.set(inboxId, lookup);
    return lookup;
  }

  private async sessionOf(conversationId: string) {
    if (this.sessionByConversation.has(conversationId)) return this.sessionByConversation.get(conversationId)!;
    const found = await this.repo.sessionOfConversation(this.tx.manager, conversationId);
    if (this.sessionByConversation.size > 20_000) this.sessionByConversation.clear();
    this.sessionByConversation.set(conversationId, found);
    return found;
  }

  private readonly tokenByInbox = new Map<string, string>();
  private async websiteTokenOf(inboxId: string): Promise<string | null> {
    const cached = this.tokenByInbox.get(inboxId);
    if (cached) return cached;
    const [row] = await this.tx.manager.query<Array<{ t: string | null }>>(`SELECT settings->>'websiteToken' AS t FROM inboxes WHERE id = $1`, [inboxId]);
    if (row?.t) this.tokenByInbox.set(inboxId, row.t);
    return row?.t ?? null;
  }

  /**
   * The agent gateway sends `typing` only to agents; visitors need it too. Rather than touching
   * that gateway, listen to the same event on agent sockets, with the same rule it applies:
   * only an agent who joined the conversation's room.
   */
  private relayAgentTyping(nsp: Namespace): void {
    const root = nsp.server.of('/');
    root.on('connection', (agent: Socket) => {
      agent.on('typing', async (payload: unknown) => {
        try {
          const p = payload as { conversationId?: unknown; typing?: unknown } | null;
          const principal = (agent.data as { principal?: { type: string; name?: string } }).principal;
          if (principal?.type !== 'user' || typeof p?.conversationId !== 'string') return;
          if (!agent.rooms.has(rooms.conversation(p.conversationId))) return;
          const target = await this.sessionOf(p.conversationId);
          if (target) this.rooms.emit(target.sessionId, 'typing', { typing: Boolean(p.typing), name: principal.name ?? null });
        } catch (err) {
          this.logger.warn({ err }, 'typing relay failed');
        }
      });
    });
  }
}
