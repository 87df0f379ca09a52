import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/**
 * What happened to someone's rights. `ended`: every session of theirs stops (password change,
 * deactivation, sign-out everywhere, bot token rotated or bot removed). `changed`: the sessions
 * stay valid but what they may see or do changed (role, inbox or team membership): open sockets
 * re-authenticate so their rooms follow the new rights.
 */
export type AccessChange = { subject: 'user'; id: string; effect: 'ended' | 'changed' } | { subject: 'bot'; id: string; effect: 'ended' | 'changed' };

/**
 * Services and controllers announce rights changes here after commit; the realtime layer
 * turns them into socket disconnects on every replica (through the socket.io adapter), so a
 * change takes effect on open sockets at once. REST needs nothing: every request re-reads
 * the user's role, memberships and token version.
 */
@Injectable()
export class AccessChanges {
  private readonly logger = new Logger(AccessChanges.name);
  private readonly emitter = new EventEmitter();

  publish(change: AccessChange): void {
    this.logger.log({ ...change }, 'access changed');
    for (const listener of this.emitter.listeners('change') as Array<(c: AccessChange) => unknown>) {
      Promise.resolve()
        .then(() => listener(change))
        .catch((err) => this.logger.error({ err, ...change }, 'access change listener failed'));
    }
  }

  subscribe(listener: (c: AccessChange) => unknown): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }
}
