import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * Holds a socket's writes from its first write in a tick to the end of that tick, so they leave
 * in one `writev`. Nested corks (ws corks each frame's header and payload) keep working: a
 * stream's cork is a counter.
 */
export function corkPerTick(socket: Duplex): void {
  const write = socket.write;
  let corked = false;
  const release = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Duplex, ...args: Parameters<Duplex['write']>) {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      process.nextTick(release);
    }
    return write.apply(this, args);
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
