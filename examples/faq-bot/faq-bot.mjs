// A small FAQ bot for the inbox: it receives signed event webhooks, answers what it knows over
// the REST API and hands everything else to a team. Node 20+, no dependencies:
//   INBOX_URL=http://localhost:3000 BOT_TOKEN=bot_… WEBHOOK_SECRET=whsec_… HANDOFF_TEAM_ID=… PORT=4000 node faq-bot.mjs
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

const { INBOX_URL = 'http://localhost:3000', BOT_TOKEN, WEBHOOK_SECRET, HANDOFF_TEAM_ID, PORT = '4000' } = process.env;
if (!BOT_TOKEN || !WEBHOOK_SECRET) throw new Error('set BOT_TOKEN and WEBHOOK_SECRET (both shown once by POST /api/v1/bots)');

const FAQ = [
  { words: ['hours', 'open', 'horaires'], answer: 'We are open Monday to Friday, 9:00 to 18:00.' },
  { words: ['delivery', 'shipping', 'parcel', 'livraison'], answer: 'Orders ship within 48 hours; the tracking link arrives by email.' },
];

/** The signature covers the raw body, which carries the timestamp: check both (constant time, 5 minutes). */
function verified(raw, headers) {
  const expected = Buffer.from(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`);
  const given = Buffer.from(String(headers['x-inbox-signature'] ?? ''));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  return Math.abs(Date.now() / 1000 - Number(headers['x-inbox-timestamp'])) < 300;
}

async function api(method, path, body) {
  const res = await fetch(`${INBOX_URL}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function handle({ event, data: message }) {
  // Only what customers write; the bot's own replies and agents' messages come as events too.
  if (event !== 'message.created' || message.direction !== 'inbound' || message.kind !== 'message') return;
  const conversation = await api('GET', `/conversations/${message.conversationId}`);
  if (conversation.status !== 'bot') return; // handed over: people answer from here on
  const text = message.text.toLowerCase();
  const known = FAQ.find((f) => f.words.some((w) => text.includes(w)));
  if (known) await api('POST', `/conversations/${message.conversationId}/messages`, { text: known.answer });
  else await api('POST', `/conversations/${message.conversationId}/handoff`, { teamId: HANDOFF_TEAM_ID || undefined, note: `The bot had no answer to: "${message.text}"` });
}

const seen = new Set(); // deliveries come at least once: the delivery id de-duplicates
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (!verified(raw, req.headers)) return void res.writeHead(401).end();
    const delivery = JSON.parse(raw.toString('utf8'));
    res.writeHead(204).end(); // answer at once; a 2xx is what stops the retries
    if (seen.has(delivery.id)) return;
    seen.add(delivery.id);
    handle(delivery).catch((err) => console.error('could not handle', delivery.id, err.message));
  });
}).listen(Number(PORT), '127.0.0.1', () => console.log(`FAQ bot listening on http://127.0.0.1:${PORT}`));
