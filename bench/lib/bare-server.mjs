/**
 * The baseline of figures 2 and 3: a bare socket.io server (no auth, no database) whose
 * POST /emit sends the request body to every connected client as `message.created`.
 */
import { Server } from 'socket.io';
import { bareJsonServer, listenBare } from './bare-http.mjs';

let seq = 0;
const http = bareJsonServer({
  path: '/emit',
  handle: (body) => {
    io.emit('message.created', { seq: ++seq, data: body });
    return { ok: true, seq };
  },
});
const io = new Server(http, { transports: ['websocket'] });
listenBare(http, { beforeClose: () => io.close() });
