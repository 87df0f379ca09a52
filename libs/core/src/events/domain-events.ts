import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { ServerEventName } from '@inbox/realtime-contract';

/** What the outbox stores and what subscribers get after commit. */
export interface DomainEvent<T = Record<string, unknown>> {
  seq: number;
  type: ServerEventName;
  conversationId: string | null;
  payload: T;
  /** Events committed together share a batch number (in this process), so listeners can reuse what an earlier event of the same commit told them. */
  batch?: number;
}

export type PendingEvent = Omit<DomainEvent, 'seq'>;

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
