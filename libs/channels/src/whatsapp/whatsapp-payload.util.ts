import { MetaItem, MetaMedia, MetaParse, isObject, mapLink, metaTime, str } from '../meta/meta-events';

const MEDIA_TYPES = new Set(['image', 'video', 'document', 'audio', 'sticker']);
const STATUS_MAP: Record<string, 'sent' | 'delivered' | 'read' | 'failed'> = { sent: 'sent', delivered: 'delivered', read: 'read', played: 'read', failed: 'failed' };

/** `131047 Re-engagement message: More than 24 hours have passed…` — the code first, the way agents quote it to support. */
export function describeGraphErrors(errors: unknown): string | null {
  if (!Array.isArray(errors) || errors.length === 0) return null;
  return errors
    .filter(isObject)
    .map((e) => {
      const head = [e.code, e.title ?? e.message].filter((x) => x !== undefined && x !== null && x !== '').join(' ');
      const details = e.error_data?.details;
      return details && details !== head ? `${head}: ${details}` : head;
    })
    .join('; ');
}

/**
 * One WhatsApp Cloud API webhook body → items. `phoneNumberId` is the inbox's number:
 * changes for another number of the same business account are ignored, not mixed in.
 */
export function parseWhatsAppWebhook(body: unknown, opts: { phoneNumberId: string | null }): MetaParse {
  if (!isObject(body)) return { ok: false, reason: 'the body is not a JSON object' };
  if (body.object !== 'whatsapp_business_account') return { ok: false, reason: `object "${String(body.object ?? '')}" is not whatsapp_business_account` };
  if (!Array.isArray(body.entry)) return { ok: false, reason: 'entry is not a list' };
  const items: MetaItem[] = [];
  const ignored: string[] = [];
  for (const entry of body.entry) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) {
      ignored.push('an entry without changes');
      continue;
    }
    for (const change of entry.changes) {
      if (!isObject(change) || !isObject(change.value)) {
        ignored.push('a change without a value');
        continue;
      }
      const field = String(change.field ?? '');
      const value = change.value;
      if (field !== 'messages' && field !== 'smb_message_echoes') {
        ignored.push(`field "${field}" is not handled`);
        continue;
      }
      const number = str(value.metadata?.phone_number_id);
      if (opts.phoneNumberId && number && number !== opts.phoneNumberId) {
        ignored.push(`for phone number ${number}, not this inbox's ${opts.phoneNumberId}`);
        continue;
      }
      const names = new Map<string, string>();
      for (const c of Array.isArray(value.contacts) ? value.contacts : []) {
        if (isObject(c) && str(c.wa_id) && str(c.profile?.name)) names.set(String(c.wa_id), String(c.profile.name));
      }
      const valueErrors = describeGraphErrors(value.errors);
      if (valueErrors && !Array.isArray(value.messages) && !Array.isArray(value.statuses)) ignored.push(`error notice: ${valueErrors}`);
      for (const m of Array.isArray(value.messages) ? value.messages : []) {
        const item = parseMessage(m, names);
        if (typeof item === 'string') ignored.push(item);
        else items.push(item);
      }
      for (const e of Array.isArray(value.message_echoes) ? value.message_echoes : []) {
        const item = parseEcho(e);
        if (typeof item === 'string') ignored.push(item);
        else items.push(item);
      }
      for (const s of Array.isArray(value.statuses) ? value.statuses : []) {
        if (!isObject(s) || !str(s.id) || !STATUS_MAP[s.status]) {
          ignored.push(`status "${String(isObject(s) ? s.status : s)}" is not handled`);
          continue;
        }
        items.push({
          type: 'status',
          externalId: String(s.id),
          status: STATUS_MAP[s.status],
          recipient: String(s.recipient_id ?? ''),
          at: metaTime(s.timestamp),
          error: describeGraphErrors(s.errors),
        });
      }
    }
  }
  return { ok: true, items, ignored };
}

function parseMessage(m: unknown, names: Map<string, string>): MetaItem | string {
  if (!isObject(m)) return 'a message that is not an object';
  const id = str(m.id);
  const from = str(m.from);
  if (!id || !from) return 'a message without id or sender';
  const at = metaTime(m.timestamp);
  const type = String(m.type ?? '');
  if (type === 'reaction') {
    const target = str(m.reaction?.message_id);
    if (!target) return 'a reaction without the message it reacts to';
    return { type: 'reaction', target, from, emoji: str(m.reaction?.emoji), at };
  }
  if (type === 'revoke') return str(m.revoke?.original_message_id) ? { type: 'revoke', target: String(m.revoke.original_message_id), at } : 'a revoke without the original message';
  if (type === 'edit') {
    const target = str(m.edit?.original_message_id);
    if (!target) return 'an edit without the original message';
    const inner = isObject(m.edit?.message) ? m.edit.message : {};
    return { type: 'edit', target, text: String(inner.text?.body ?? inner[inner.type]?.caption ?? ''), at };
  }

  const metadata: Record<string, unknown> = { whatsapp: { type, timestamp: m.timestamp ?? null } };
  const media: MetaMedia[] = [];
  let text = '';
  let replyTo: string | null = null;
  if (isObject(m.context)) {
    if (str(m.context.id)) replyTo = String(m.context.id);
    if (m.context.forwarded) metadata.forwarded = true;
    if (m.context.frequently_forwarded) metadata.forwarded = 'frequently';
  }
  if (isObject(m.referral)) metadata.referral = m.referral;
  if (Array.isArray(m.errors)) metadata.errors = describeGraphErrors(m.errors);

  if (type === 'text') text = String(m.text?.body ?? '');
  else if (MEDIA_TYPES.has(type) && isObject(m[type])) {
    const o = m[type];
    const kind: MetaMedia['kind'] = type === 'audio' && o.voice ? 'voice' : (type as MetaMedia['kind']);
    media.push({ kind, mediaId: str(o.id), url: str(o.url), mimeType: str(o.mime_type), fileName: str(o.filename) });
    text = String(o.caption ?? '');
    if (type === 'sticker' && o.animated) metadata.animatedSticker = true;
  } else if (type === 'location' && isObject(m.location)) {
    const { latitude, longitude, name, address, url } = m.location;
    const place = [name, address].filter(Boolean).join(', ');
    text = `${place ? `${place} ` : ''}(${latitude}, ${longitude}) ${mapLink(latitude, longitude)}`;
    metadata.location = { latitude, longitude, name: name ?? null, address: address ?? null, url: url ?? null };
  } else if (type === 'contacts' && Array.isArray(m.contacts)) {
    text = m.contacts
      .filter(isObject)
      .map((c: Record<string, any>) =>
        [
          c.name?.formatted_name ?? [c.name?.first_name, c.name?.last_name].filter(Boolean).join(' '),
          ...(Array.isArray(c.phones) ? c.phones.map((p: any) => p?.phone).filter(Boolean) : []),
        ].join(' '),
      )
      .join('\n');
    metadata.contacts = m.contacts;
  } else if (type === 'interactive' && isObject(m.interactive) && isObject(m.interactive[m.interactive.type])) {
    const reply = m.interactive[m.interactive.type];
    text =
      [reply.title, reply.description].filter(Boolean).join(' — ') || `[WhatsApp ${String(m.interactive.type).replace(/_/g, ' ')}${reply.response ? `: ${reply.response}` : ''}]`;
    metadata.interactive = { type: m.interactive.type, id: reply.id ?? null, ...(reply.title ? {} : { reply }) };
  } else if (type === 'button' && isObject(m.button)) {
    text = String(m.button.text ?? '');
    metadata.button = { payload: m.button.payload ?? null };
  } else if (type === 'order' && isObject(m.order)) {
    const lines = (Array.isArray(m.order.product_items) ? m.order.product_items : []).map((p: any) => `${p.quantity} × ${p.product_retailer_id} at ${p.item_price} ${p.currency}`);
    text = [m.order.text || null, `Order from catalog ${m.order.catalog_id}:`, ...lines].filter(Boolean).join('\n');
    metadata.order = m.order;
  } else if (type === 'system' && isObject(m.system)) {
    text = String(m.system.body ?? m.system.type ?? 'System notice');
    metadata.system = m.system;
  } else {
    // Anything we cannot show becomes a visible placeholder; the raw message is kept for later.
    const sub = str(m.unsupported?.type) ?? (type || 'unknown');
    text = `[Unsupported WhatsApp message: ${sub}]`;
    metadata.unsupported = m;
  }
  return { type: 'message', externalId: id, from, name: names.get(from) ?? null, phone: /^\d{6,16}$/.test(from) ? `+${from}` : null, at, text, media, replyTo, metadata };
}

function parseEcho(e: unknown): MetaItem | string {
  if (!isObject(e) || !str(e.id) || !str(e.to)) return 'an echo without id or recipient';
  const at = metaTime(e.timestamp);
  if (e.type === 'revoke')
    return str(e.revoke?.original_message_id) ? { type: 'revoke', target: String(e.revoke.original_message_id), at } : 'a revoke echo without the original message';
  if (e.type === 'edit')
    return str(e.edit?.original_message_id)
      ? { type: 'edit', target: String(e.edit.original_message_id), text: String(e.edit.message?.text?.body ?? ''), at }
      : 'an edit echo without the original message';
  const text = e.type === 'text' ? String(e.text?.body ?? '') : `[${String(e.type ?? 'message')} sent from the WhatsApp Business app]`;
  return { type: 'echo', externalId: String(e.id), to: String(e.to), at, text, metadata: { whatsapp: { type: e.type ?? null }, ...(e.type === 'text' ? {} : { raw: e }) } };
}
