import { MetaItem, MetaMedia, MetaParse, isObject, mapLink, metaTime, str } from '../meta/meta-events';

const MEDIA_KINDS: Record<string, MetaMedia['kind']> = { image: 'image', video: 'video', audio: 'audio', file: 'file' };
/** Events of the Messenger Platform that carry nothing for an agent. */
const NOT_FOR_AGENTS = [
  'optin',
  'account_linking',
  'policy-enforcement',
  'policy_enforcement',
  'pass_thread_control',
  'take_thread_control',
  'request_thread_control',
  'app_roles',
  'game_play',
  'payment',
  'checkout_update',
  'pre_checkout',
  'referral',
  'message_edit',
  'response_feedback',
];

/**
 * One Messenger Platform (`object: "page"`) or Instagram Messaging (`object: "instagram"`)
 * webhook body → items. Both speak the same `entry[].messaging[]` format; `accountId` is
 * the inbox's Page id or Instagram account id: entries for another account are ignored.
 */
export function parseMessagingWebhook(body: unknown, opts: { kind: 'messenger' | 'instagram'; accountId: string | null }): MetaParse {
  const object = opts.kind === 'messenger' ? 'page' : 'instagram';
  if (!isObject(body)) return { ok: false, reason: 'the body is not a JSON object' };
  if (body.object !== object) return { ok: false, reason: `object "${String(body.object ?? '')}" is not ${object}` };
  if (!Array.isArray(body.entry)) return { ok: false, reason: 'entry is not a list' };
  const items: MetaItem[] = [];
  const ignored: string[] = [];
  for (const entry of body.entry) {
    if (!isObject(entry)) {
      ignored.push('an entry that is not an object');
      continue;
    }
    const account = str(entry.id);
    if (opts.accountId && account && account !== opts.accountId) {
      ignored.push(`for account ${account}, not this inbox's ${opts.accountId}`);
      continue;
    }
    const events = [
      ...(Array.isArray(entry.messaging) ? entry.messaging.map((e: unknown) => [e, false] as const) : []),
      // Standby: another app owns the thread (a bot); the agent still sees what the customer wrote.
      ...(Array.isArray(entry.standby) ? entry.standby.map((e: unknown) => [e, true] as const) : []),
    ];
    if (events.length === 0)
      ignored.push(Array.isArray(entry.changes) ? `changes (${entry.changes.map((c: any) => c?.field).join(', ')}) are not handled` : 'an entry without messaging events');
    for (const [event, standby] of events) {
      const item = parseEvent(event, opts.kind, standby);
      if (typeof item === 'string') ignored.push(item);
      else items.push(item);
    }
  }
  return { ok: true, items, ignored };
}

function parseEvent(e: unknown, kind: 'messenger' | 'instagram', standby: boolean): MetaItem | string {
  if (!isObject(e)) return 'an event that is not an object';
  const sender = str(e.sender?.id);
  const recipient = str(e.recipient?.id);
  const at = metaTime(e.timestamp);
  if (isObject(e.delivery)) {
    if (!sender) return 'a delivery receipt without sender';
    return {
      type: 'watermark',
      status: 'delivered',
      customer: sender,
      mids: Array.isArray(e.delivery.mids) ? e.delivery.mids.map(String) : [],
      watermark: e.delivery.watermark ? metaTime(e.delivery.watermark) : null,
    };
  }
  if (isObject(e.read)) {
    if (!sender) return 'a read receipt without sender';
    return {
      type: 'watermark',
      status: 'read',
      customer: sender,
      mids: str(e.read.mid) ? [String(e.read.mid)] : [],
      watermark: e.read.watermark ? metaTime(e.read.watermark) : null,
    };
  }
  if (isObject(e.reaction)) {
    const target = str(e.reaction.mid);
    if (!sender || !target) return 'a reaction without sender or message';
    return { type: 'reaction', target, from: sender, emoji: e.reaction.action === 'unreact' ? null : (str(e.reaction.emoji) ?? str(e.reaction.reaction)), at };
  }
  if (isObject(e.postback)) {
    if (!sender) return 'a postback without sender';
    const externalId = str(e.postback.mid) ?? `postback:${sender}:${String(e.timestamp ?? at)}`;
    return {
      type: 'message',
      externalId,
      from: sender,
      name: null,
      phone: null,
      at,
      text: String(e.postback.title ?? e.postback.payload ?? ''),
      media: [],
      replyTo: null,
      metadata: { [kind]: { standby }, postback: { payload: e.postback.payload ?? null }, ...(isObject(e.postback.referral) ? { referral: e.postback.referral } : {}) },
    };
  }
  if (isObject(e.message)) return parseMessage(e.message, { sender, recipient, at, kind, standby, referral: e.referral });
  const key = Object.keys(e).find((k) => !['sender', 'recipient', 'timestamp'].includes(k)) ?? 'empty';
  return NOT_FOR_AGENTS.includes(key) ? `"${key}" events are not handled` : `unknown event "${key}"`;
}

function parseMessage(
  m: Record<string, any>,
  c: { sender: string | null; recipient: string | null; at: string; kind: 'messenger' | 'instagram'; standby: boolean; referral: unknown },
): MetaItem | string {
  const mid = str(m.mid);
  if (!mid) return 'a message without mid';
  if (m.is_deleted) return { type: 'revoke', target: mid, at: c.at };
  const metadata: Record<string, unknown> = { [c.kind]: { standby: c.standby } };
  const media: MetaMedia[] = [];
  const lines: string[] = [];
  if (str(m.text)) lines.push(m.text);
  if (isObject(m.quick_reply)) metadata.quickReply = { payload: m.quick_reply.payload ?? null };
  if (isObject(m.referral) || isObject(c.referral)) metadata.referral = m.referral ?? c.referral;
  if (isObject(m.reply_to?.story)) metadata.storyReply = m.reply_to.story;
  for (const a of Array.isArray(m.attachments) ? m.attachments : []) {
    if (!isObject(a)) continue;
    const p = isObject(a.payload) ? a.payload : {};
    const type = String(a.type ?? '');
    if (MEDIA_KINDS[type] && str(p.url)) {
      media.push({ kind: m.sticker_id ? 'sticker' : MEDIA_KINDS[type], mediaId: null, url: String(p.url), mimeType: null, fileName: null });
    } else if (type === 'location' && isObject(p.coordinates)) {
      const { lat, long } = p.coordinates;
      lines.push(`${a.title ? `${a.title} ` : ''}(${lat}, ${long}) ${mapLink(lat, long)}`);
      metadata.location = { latitude: lat, longitude: long, name: a.title ?? null };
    } else if (str(p.url) || str(p.story_media_url)) {
      // Shares, reels, story mentions, links: shown as a link, the payload kept.
      lines.push(`[${type || 'attachment'}] ${p.title ? `${p.title} ` : ''}${p.url ?? p.story_media_url}`);
      ((metadata.shared ??= []) as unknown[]).push(a);
    } else {
      lines.push(`[Unsupported ${c.kind === 'messenger' ? 'Messenger' : 'Instagram'} attachment: ${type || 'unknown'}]`);
      ((metadata.unsupported ??= []) as unknown[]).push(a);
    }
  }
  const text = lines.join('\n');
  if (m.is_echo) {
    // The business wrote from the Page inbox, Meta Business Suite or another app: ours is the customer's side.
    if (!c.recipient) return 'an echo without recipient';
    return {
      type: 'echo',
      externalId: mid,
      to: c.recipient,
      at: c.at,
      text: text || (media.length ? `[${media.map((x) => x.kind).join(', ')}]` : ''),
      metadata: { ...metadata, appId: m.app_id ?? null },
    };
  }
  if (!c.sender) return 'a message without sender';
  const unsupported = !text && media.length === 0;
  if (unsupported) metadata.unsupported = m;
  return {
    type: 'message',
    externalId: mid,
    from: c.sender,
    name: null,
    phone: null,
    at: c.at,
    text: unsupported ? `[Unsupported ${c.kind === 'messenger' ? 'Messenger' : 'Instagram'} message]` : text,
    media,
    replyTo: str(m.reply_to?.mid),
    metadata,
  };
}
