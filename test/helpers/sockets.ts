import { io, Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@inbox/realtime-contract';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RecordingSocket {
  socket: ClientSocket;
  events: Array<{ event: string; payload: any }>;
  waitFor: (event: string, predicate?: (data: any) => boolean, timeoutMs?: number) => Promise<any>;
  emit: (event: string, payload: unknown) => Promise<any>;
  close: () => void;
}

/** A real socket.io client that records everything it receives. */
export async function connectSocket(url: string, token: string): Promise<RecordingSocket> {
  const socket: ClientSocket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const events: RecordingSocket['events'] = [];
  const waiters: Array<{ event: string; predicate: (d: any) => boolean; resolve: (d: any) => void }> = [];
  socket.onAny((event: string, payload: any) => {
    events.push({ event, payload });
    for (const w of [...waiters]) {
      const data = payload?.data ?? payload;
      if (w.event === event && w.predicate(data)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(data);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return {
    socket,
    events,
    waitFor: (event, predicate = () => true, timeoutMs = 15000) => {
      const seen = events.find((e) => e.event === event && predicate(e.payload?.data ?? e.payload));
      if (seen) return Promise.resolve(seen.payload?.data ?? seen.payload);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ event, predicate, resolve: (d) => (clearTimeout(timer), resolve(d)) });
      });
    },
    emit: (event, payload) => (socket as any).timeout(10000).emitWithAck(event, payload),
    close: () => {
      socket.disconnect();
    },
  };
}
