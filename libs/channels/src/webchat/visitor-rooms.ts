import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { rooms } from '@inbox/realtime-contract';
import type { WidgetServerEvents } from './widget-contract';

/**
 * The visitor namespace as a delivery target, so the adapter and the event listener
 * can reach visitors without importing the gateway (which attaches the namespace).
 */
@Injectable()
export class VisitorRooms {
  private nsp: Namespace | null = null;

  attach(nsp: Namespace): void {
    this.nsp = nsp;
  }

  emit<E extends keyof WidgetServerEvents>(sessionId: string, event: E, ...args: Parameters<WidgetServerEvents[E]>): void {
    this.nsp?.to(rooms.visitor(sessionId)).emit(event, ...(args as unknown[]));
  }
}
