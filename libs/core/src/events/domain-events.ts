import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { Envelope, ServerEventName, ServerToClientEvents } from '@inbox/realtime-contract';

/** The payload a server event carries, read off the realtime contract: one source of truth for both ends. */
export type EventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0] extends Envelope<infer T> ? T : never;

/**
 * An event before the outbox numbers it: a discriminated union keyed by `type`, so publishing
 * `conversation.updated` with anything but a ConversationSummary does not compile, and a
 * listener that checks `e.type` gets the payload's type with no cast.
 */
export type PendingEvent = {
  [E in ServerEventName]: {
    type: E;
    conversationId: string | null;
    payload: EventPayload<E>;
    /** Events committed together share a batch number (in this process), so listeners can reuse what an earlier event of the same commit told them. */
    batch?: number;
  };
}[ServerEventName];

/** What the outbox stores and what subscribers get after commit. */
export type DomainEvent = PendingEvent & { seq: number };

/** One event of a known type (for helpers that handle a single kind). */
export type DomainEventOf<E extends ServerEventName> = Extract<DomainEvent, { type: E }>;

/**
 * In-process publication of committed events. Services never import the gateway:
 * they publish here, and listeners (realtime, routing, webhooks) subscribe.
 */
@Injectable()
export class DomainEvents {
  private readonly logger = new Logger(DomainEvents.name);
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  publish(events: DomainEvent[]): void {
    for (const event of events) {
      for (const listener of this.emitter.listeners('event') as Array<(e: DomainEvent) => unknown>) {
        try {
          const result = listener(event);
          if (result && typeof (result as Promise<unknown>).catch === 'function') {
            (result as Promise<unknown>).catch((err) => this.logger.error({ err, type: event.type }, 'event listener failed'));
          }
        } catch (err) {
          this.logger.error({ err, type: event.type }, 'event listener failed');
        }
      }
    }
  }

  subscribe(listener: (e: DomainEvent) => unknown): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
