import type { Server, Socket } from 'socket.io';
import type { Principal } from '@inbox/core';
import type { ClientToServerEvents, ServerToClientEvents } from '@inbox/realtime-contract';
import type { TokenBucket } from './socket-guards';

export interface SocketData {
  principal: Principal;
  /** The credential the socket opened with: re-checked before every command. */
  token: string;
  bucket: TokenBucket;
  expiryTimer?: NodeJS.Timeout;
  /** Rooms joined and presence recorded: commands wait for it. */
  ready: Promise<void>;
}

export type InboxSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type InboxServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
