import { createServer, IncomingMessage, Server } from 'node:http';

export interface ReceivedHook {
  headers: IncomingMessage['headers'];
  body: string;
  json: any;
}

/** A real HTTP endpoint standing in for an integration's webhook; its answers are scripted per test. */
export async function startWebhookReceiver(): Promise<{ url: string; received: ReceivedHook[]; respondWith: (statuses: number[]) => void; close: () => Promise<void> }> {
  const received: ReceivedHook[] = [];
  let script: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        /* recorded as text */
      }
      received.push({ headers: req.headers, body, json });
      const status = script.length ? script.shift()! : 200;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    respondWith: (statuses) => {
      script = [...statuses];
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
