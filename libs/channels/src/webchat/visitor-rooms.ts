import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { rooms } from '@inbox/realtime-contract';
import type { WidgetServerEvents } from '@inbox/realtime-contract/widget';

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

  /** Whether the visitor has an open widget anywhere (all replicas, through the adapter). */
  async isOnline(sessionId: string): Promise<boolean> {
    if (!this.nsp) return false;
    return (await this.nsp.in(rooms.visitor(sessionId)).fetchSockets()).length > 0;
  }

  emit<E extends keyof WidgetServerEvents>(sessionId: string, event: E, ...args: Parameters<WidgetServerEvents[E]>): void {
    this.nsp?.to(rooms.visitor(sessionId)).emit(event, ...(args as unknown[]));
  }
}
