import { createServer } from 'node:http';
import { sleep } from './env.mjs';

/**
 * The Telegram Bot API as far as the bench needs it, on 127.0.0.1, in its wire format
 * (`POST /bot<token>/<method>`, `{ok, result}`, files at `/file/bot<token>/<path>`): getMe,
 * setWebhook (the secret token kept per webhook URL, to deliver updates as Telegram does) and
 * getFile answering after `getFileMs`, like a Bot API fetching a file from its storage.
 */
export async function startFakeTelegram({ getFileMs }) {
  const token = '7000000001:AAbenchbenchbenchbenchbenchbenchbench';
  const secrets = new Map();
  const ok = (res, result) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path.startsWith(`/file/bot${token}/`)) return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.alloc(2048, 7));
      const method = path.slice(`/bot${token}/`.length);
      const params = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
      if (method === 'getMe') return ok(res, { id: 7000000001, is_bot: true, first_name: 'Bench', username: 'bench_bot' });
      if (method === 'setWebhook') {
        secrets.set(params.url, params.secret_token);
        return ok(res, true);
      }
      if (method === 'getFile') {
        await sleep(getFileMs);
        return ok(res, { file_id: params.file_id, file_unique_id: `u${params.file_id}`, file_size: 2048, file_path: `photos/${params.file_id}.jpg` });
      }
      return ok(res, true);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    token,
    /** getFile then the file's download, as the app makes them for a photo. */
    fetchFile: async (fileId) => {
      const info = await (
        await fetch(`${url}/bot${token}/getFile`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ file_id: fileId }) })
      ).json();
      await (await fetch(`${url}/file/bot${token}/${info.result.file_path}`)).arrayBuffer();
    },
    /** POSTs an update to the inbox's webhook (its path on `appUrl`) with its secret token. */
    deliver: async (appUrl, webhookUrl, update) => {
      const res = await fetch(`${appUrl}${new URL(webhookUrl).pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secrets.get(webhookUrl) },
        body: JSON.stringify(update),
      });
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
