import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { CorkedWebSocketServer } from './corked-ws-server';

describe('CorkedWebSocketServer', () => {
  let http: Server;
  let wss: CorkedWebSocketServer;
  let url: string;
  const connections: Array<{ ws: WebSocket; socket: Duplex }> = [];

  beforeAll(async () => {
    http = createServer();
    wss = new CorkedWebSocketServer({ noServer: true });
    http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => connections.push({ ws, socket })));
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const c of connections) c.ws.terminate();
    wss.close();
    await new Promise((ok) => http.close(ok));
  });

  it('holds the frames of one tick and sends them together, in order, when the tick ends', async () => {
    const client = new WebSocket(url);
    const received: string[] = [];
    client.on('message', (m) => received.push(m.toString()));
    await new Promise((ok) => client.once('open', ok));
    const { ws, socket } = connections[connections.length - 1];
    const writev = jest.spyOn(socket as Duplex & { _writev: (...a: unknown[]) => void }, '_writev');
    const write = jest.spyOn(socket as Duplex & { _write: (...a: unknown[]) => void }, '_write');

    for (let i = 0; i < 5; i++) ws.send(`event ${i}`);
    // Nothing left the process yet: the socket is corked until the tick ends.
    expect(socket.writableCorked).toBeGreaterThan(0);
    expect(writev).not.toHaveBeenCalled();
    await new Promise((ok) => setImmediate(ok));
    expect(socket.writableCorked).toBe(0);
    // Five frames (ten chunks: header and payload each) in one system call.
    expect(writev).toHaveBeenCalledTimes(1);
    expect(write).not.toHaveBeenCalled();

    await new Promise<void>((ok) => {
      const check = () => (received.length === 5 ? ok() : setTimeout(check, 5));
      check();
    });
    expect(received).toEqual(['event 0', 'event 1', 'event 2', 'event 3', 'event 4']);
    client.close();
  });
});

describe('CorkedWebSocketServer under socket.io', () => {
  it("sends the events emitted to a socket in one tick in one write, engine.io's queue included", async () => {
    const { Server } = await import('socket.io');
    const { io: connect } = await import('socket.io-client');
    const http = createServer();
    const io = new Server(http, { wsEngine: CorkedWebSocketServer, transports: ['websocket'] });
    const sockets: Duplex[] = [];
    io.engine.on('connection', (c: { transport: { socket: { _socket: Duplex } } }) => sockets.push(c.transport.socket._socket));
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
    try {
      const received: number[] = [];
      client.on('tick', (n: number) => received.push(n));
      await new Promise<void>((ok) => client.once('connect', () => ok()));
      await new Promise((ok) => setTimeout(ok, 50));
      const writev = jest.spyOn(sockets[0] as Duplex & { _writev: (...a: unknown[]) => void }, '_writev');
      const write = jest.spyOn(sockets[0] as Duplex & { _write: (...a: unknown[]) => void }, '_write');
      for (let n = 0; n < 5; n++) io.emit('tick', n);
      await new Promise<void>((ok) => {
        const check = () => (received.length === 5 ? ok() : setTimeout(check, 5));
        check();
      });
      expect(received).toEqual([0, 1, 2, 3, 4]);
      expect(writev.mock.calls.length + write.mock.calls.length).toBe(1);
    } finally {
      client.disconnect();
      await io.close();
    }
  });
});
