import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * X (Twitter) Account Activity API: the CRC answer, the webhook signature, and what a
 * webhook body becomes once parsed. Pure (no I/O), tested table-style over the corpus.
 */
export interface XMedia {
  url: string;
  type: string | null;
  id: string | null;
}

export interface XDirectMessage {
  type: 'message' | 'echo';
  /** The DM event id: unique per inbox, makes ingest idempotent. */
  externalId: string;
  /** The customer: the sender of a message, the recipient of an echo. */
  customer: string;
  name: string | null;
  username: string | null;
  at: string;
  text: string;
  media: XMedia[];
  metadata: Record<string, unknown>;
}

export type XParse = { ok: true; items: XDirectMessage[]; ignored: string[] } | { ok: false; reason: string };

/** `sha256=` + base64 HMAC-SHA256 of the CRC token, keyed with the consumer secret. */
export function crcResponse(consumerSecret: string, crcToken: string): string {
  return `sha256=${createHmac('sha256', consumerSecret).update(crcToken).digest('base64')}`;
}

/** x-twitter-webhooks-signature: the same HMAC over the raw body, compared in constant time. */
export function verifyXSignature(consumerSecret: string, rawBody: Buffer | undefined, header: string | undefined): { ok: true } | { ok: false; reason: string } {
  if (!header) return { ok: false, reason: 'x-twitter-webhooks-signature header missing' };
  if (!header.startsWith('sha256=')) return { ok: false, reason: 'x-twitter-webhooks-signature must start with sha256=' };
  if (!rawBody || !consumerSecret) return { ok: false, reason: 'signature mismatch' };
  const expected = Buffer.from(`sha256=${createHmac('sha256', consumerSecret).update(rawBody).digest('base64')}`);
  const given = Buffer.from(header);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const id = (v: unknown): string | null => (typeof v === 'string' && /^\d{1,25}$/.test(v) ? v : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : null);

/** t.co links point nowhere an agent can read: show the expanded URL; the media link itself is dropped (it becomes an attachment). */
function expandText(text: string, entities: unknown, mediaUrl: string | null): string {
  let out = text;
  const urls = isObject(entities) && Array.isArray(entities.urls) ? entities.urls : [];
  for (const u of urls) if (isObject(u) && typeof u.url === 'string' && typeof u.expanded_url === 'string') out = out.split(u.url).join(u.expanded_url);
  if (mediaUrl) out = out.split(mediaUrl).join('');
  return out.trim();
}

/** Event types of a body that are not direct messages (recorded as ignored, with their names). */
const OTHER_EVENTS = [
  'tweet_create_events',
  'favorite_events',
  'follow_events',
  'unfollow_events',
  'block_events',
  'unblock_events',
  'mute_events',
  'unmute_events',
  'user_event',
  'direct_message_indicate_typing_events',
  'direct_message_mark_read_events',
  'tweet_delete_events',
];

/** Parses one Account Activity webhook body for the account `userId`. */
export function parseXWebhook(body: unknown, userId: string): XParse {
  if (!isObject(body)) return { ok: false, reason: 'body is not a JSON object' };
  const forUser = id(body.for_user_id);
  if (!forUser) return { ok: false, reason: 'for_user_id missing: not an Account Activity event' };
  if (forUser !== userId) return { ok: false, reason: `for_user_id ${forUser} is not this inbox's account (${userId})` };
  const ignored = OTHER_EVENTS.filter((k) => k in body).map((k) => `${k} are not handled`);
  if (!('direct_message_events' in body)) return { ok: true, items: [], ignored: ignored.length ? ignored : ['no direct_message_events in the body'] };
  if (!Array.isArray(body.direct_message_events)) return { ok: false, reason: 'direct_message_events is not an array' };
  const users = isObject(body.users) ? body.users : {};
  const items: XDirectMessage[] = [];
  for (const [i, e] of body.direct_message_events.entries()) {
    if (!isObject(e) || e.type !== 'message_create') {
      ignored.push(`event ${i}: type ${isObject(e) ? String(e.type) : typeof e} is not handled`);
      continue;
    }
    const mc = isObject(e.message_create) ? e.message_create : null;
    const eventId = id(e.id);
    const sender = id(mc?.sender_id);
    const recipient = id(mc?.target?.recipient_id);
    if (!mc || !eventId || !sender || !recipient) {
      ignored.push(`event ${i}: message_create without id, sender or recipient`);
      continue;
    }
    const echo = sender === userId;
    if (!echo && recipient !== userId) {
      ignored.push(`event ${eventId}: a message between other accounts`);
      continue;
    }
    const data = isObject(mc.message_data) ? mc.message_data : {};
    const media = isObject(data.attachment) && data.attachment.type === 'media' && isObject(data.attachment.media) ? data.attachment.media : null;
    const mediaUrl = media && typeof media.media_url_https === 'string' ? media.media_url_https : null;
    const text = expandText(typeof data.text === 'string' ? data.text : '', data.entities, typeof media?.url === 'string' ? media.url : null);
    if (!text && !mediaUrl) {
      ignored.push(`event ${eventId}: no text or media`);
      continue;
    }
    const customer = echo ? recipient : sender;
    const u = isObject(users[customer]) ? users[customer] : null;
    const ms = Number(e.created_timestamp);
    items.push({
      type: echo ? 'echo' : 'message',
      externalId: eventId,
      customer,
      name: typeof u?.name === 'string' && u.name ? u.name : null,
      username: typeof u?.screen_name === 'string' ? u.screen_name : typeof u?.username === 'string' ? u.username : null,
      at: Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : new Date().toISOString(),
      text,
      media: mediaUrl ? [{ url: mediaUrl, type: typeof media!.type === 'string' ? media!.type : null, id: id(media!.id_str ?? media!.id) }] : [],
      metadata: {
        x: {
          eventId,
          ...(u?.screen_name || u?.username ? { username: u.screen_name ?? u.username } : {}),
          ...(typeof mc.source_app_id === 'string' ? { sourceAppId: mc.source_app_id } : {}),
        },
      },
    });
  }
  return { ok: true, items, ignored };
}
