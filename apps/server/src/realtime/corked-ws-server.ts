import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

type WriteCallback = (err?: Error | null) => void;

/**
 * Holds a socket's writes from its first write in a tick to the end of that tick, so they leave
 * in one `writev`. Nested corks (ws corks each frame's header and payload) keep working: a
 * stream's cork is a counter.
 *
 * The writes' callbacks run when the tick ends, just before the data leaves, rather than after:
 * engine.io sends one packet, waits for its callback and only then sends the packets queued
 * meanwhile, so with callbacks after the write a commit's events would leave in two writes (the
 * first event, then the rest). Run first, they let engine.io hand over its queue into the same
 * write. A write that then fails still closes the socket ('error', 'close'), which engine.io and
 * socket.io handle as a disconnect.
 */
export function corkPerTick(socket: Duplex): void {
  const write = socket.write;
  const held: WriteCallback[] = [];
  let corked = false;
  const release = () => {
    // Callbacks may write again (engine.io's queued packets): those join this write.
    for (let cbs = held.splice(0); cbs.length; cbs = held.splice(0)) for (const cb of cbs) cb(null);
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Duplex, chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback) {
    if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    if (socket.destroyed || socket.writableEnded) return write.call(this, chunk, encoding as BufferEncoding, cb);
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(release);
    }
    if (cb) held.push(cb);
    return write.call(this, chunk, encoding as BufferEncoding);
  } as Duplex['write'];
}

/**
 * engine.io's `wsEngine`: the ws server, with every connection's writes gathered per tick.
 * socket.io writes one frame per event per socket and ws one write per frame; the events of a
 * commit (a routing batch, a batch ingest, a resolve's update and activity line) fan out to the
 * same sockets in one pass, so each socket now gets them in one system call instead of one per
 * event. `writev` was the largest single cost in the server's CPU profile during the storm
 * (README "Performance").
 */
export class CorkedWebSocketServer extends WebSocketServer {
  override handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, callback: (client: WebSocket, request: IncomingMessage) => void): void {
    corkPerTick(socket);
    super.handleUpgrade(request, socket, head, callback);
  }
}
