/**
 * What a Telegram `Update` becomes once parsed: at most one channel-neutral item the job
 * applies. Pure (no I/O), so every corpus update is tested table-style.
 */
export interface TelegramUser {
  id: string;
  name: string | null;
  username: string | null;
  language: string | null;
}

export interface TelegramMedia {
  kind: 'photo' | 'document' | 'voice' | 'audio' | 'video' | 'video_note' | 'animation' | 'sticker';
  fileId: string;
  fileName: string | null;
  mimeType: string | null;
  size: number | null;
}

export interface TelegramMessageItem {
  type: 'message';
  /** `<chat id>:<message id>` (message ids are unique per chat), or `callback:<id>` for a button press. */
  externalId: string;
  chatId: string;
  chatType: 'private' | 'group' | 'supergroup';
  /** One conversation per private chat, group, or forum topic. */
  threadKey: string;
  from: TelegramUser;
  at: string;
  text: string;
  media: TelegramMedia[];
  /** External id of the message this one answers. */
  replyTo: string | null;
  /** Set for a `callback_query`: answered with answerCallbackQuery once recorded. */
  callbackQueryId: string | null;
  metadata: Record<string, unknown>;
}

export type TelegramItem =
  | TelegramMessageItem
  | { type: 'edit'; externalId: string; text: string; at: string }
  /** The user blocked (`kicked`) or unblocked (`member`) the bot in their private chat. */
  | { type: 'reachability'; userId: string; reachable: boolean; at: string };

export type TelegramParse = { ok: true; updateId: string; item: TelegramItem | null; ignored: string | null } | { ok: false; updateId: string | null; reason: string };

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const idOf = (v: unknown): string | null => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' && /^-?\d{1,20}$/.test(v) ? v : null);
const time = (v: unknown, fallback: Date): string => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? new Date(v * 1000).toISOString() : fallback.toISOString());

export function telegramThreadKey(chatId: string, topicId: number | null): string {
  return topicId !== null ? `telegram:${chatId}:topic:${topicId}` : `telegram:${chatId}`;
}

/** The chat (and forum topic) a conversation's replies go to. */
export function parseTelegramThreadKey(key: string): { chatId: string; topicId: number | null } | null {
  const m = /^telegram:(-?\d{1,20})(?::topic:(\d{1,12}))?$/.exec(key);
  return m ? { chatId: m[1], topicId: m[2] ? Number(m[2]) : null } : null;
}

export function telegramUser(u: unknown): TelegramUser | null {
  if (!isObject(u)) return null;
  const id = idOf(u.id);
  if (!id) return null;
  const full = [u.first_name, u.last_name]
    .filter((x) => typeof x === 'string' && x.trim())
    .join(' ')
    .trim();
  const username = typeof u.username === 'string' && u.username ? u.username : null;
  const language = typeof u.language_code === 'string' && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(u.language_code) ? u.language_code.slice(0, 2).toLowerCase() : null;
  return { id, name: full || (username ? `@${username}` : null), username, language };
}

/** Content kinds we cannot show; such messages become a line saying what was sent. */
const DESCRIBED: Record<string, (v: any) => string> = {
  dice: (v) => `${v?.emoji ?? '🎲'} ${v?.value ?? ''}`.trim(),
  poll: (v) => `📊 ${v?.question ?? 'poll'}${Array.isArray(v?.options) ? `\n${v.options.map((o: any) => `- ${o?.text ?? ''}`).join('\n')}` : ''}`,
  game: (v) => `🎮 ${v?.title ?? 'game'}`,
  story: () => '📖 story',
  invoice: (v) => `🧾 ${v?.title ?? 'invoice'}`,
  checklist: (v) => `☑️ ${v?.title ?? 'checklist'}`,
  web_app_data: (v) => `${v?.data ?? ''}`,
};

/** Service messages (joins, titles, pins, topics...): nothing a customer said. */
function serviceKey(m: Record<string, any>): string | null {
  const known = [
    'new_chat_members',
    'left_chat_member',
    'new_chat_title',
    'new_chat_photo',
    'delete_chat_photo',
    'group_chat_created',
    'supergroup_chat_created',
    'channel_chat_created',
    'message_auto_delete_timer_changed',
    'migrate_to_chat_id',
    'migrate_from_chat_id',
    'pinned_message',
    'forum_topic_created',
    'forum_topic_edited',
    'forum_topic_closed',
    'forum_topic_reopened',
    'general_forum_topic_hidden',
    'general_forum_topic_unhidden',
    'video_chat_started',
    'video_chat_ended',
    'video_chat_scheduled',
    'video_chat_participants_invited',
    'proximity_alert_triggered',
    'boost_added',
    'chat_shared',
    'users_shared',
    'connected_website',
    'successful_payment',
    'refunded_payment',
    'giveaway',
    'giveaway_created',
    'giveaway_completed',
    'giveaway_winners',
    'passport_data',
    'write_access_allowed',
    'checklist_tasks_done',
    'checklist_tasks_added',
    'chat_owner_changed',
    'chat_owner_left',
    'direct_message_price_changed',
  ];
  return known.find((k) => k in m) ?? null;
}

function mediaOf(m: Record<string, any>): TelegramMedia[] {
  const out: TelegramMedia[] = [];
  const file = (kind: TelegramMedia['kind'], f: any, mime?: string | null) => {
    if (!isObject(f) || typeof f.file_id !== 'string') return;
    out.push({
      kind,
      fileId: f.file_id,
      fileName: typeof f.file_name === 'string' ? f.file_name : null,
      mimeType: typeof f.mime_type === 'string' ? f.mime_type : (mime ?? null),
      size: typeof f.file_size === 'number' ? f.file_size : null,
    });
  };
  if (Array.isArray(m.photo) && m.photo.length) {
    // Sizes come smallest first, but not always: take the largest by pixels.
    const largest = [...m.photo].filter(isObject).sort((a, b) => (b.width ?? 0) * (b.height ?? 0) - (a.width ?? 0) * (a.height ?? 0))[0];
    file('photo', largest, 'image/jpeg');
  }
  if (m.animation) file('animation', m.animation, 'video/mp4');
  else if (m.document) file('document', m.document);
  file('voice', m.voice, 'audio/ogg');
  file('audio', m.audio, 'audio/mpeg');
  file('video', m.video, 'video/mp4');
  file('video_note', m.video_note, 'video/mp4');
  if (isObject(m.sticker)) file('sticker', m.sticker, m.sticker.is_animated ? 'application/x-tgsticker' : m.sticker.is_video ? 'video/webm' : 'image/webp');
  return out;
}

function textOf(m: Record<string, any>): { text: string; entities: unknown[] | null; extra: Record<string, unknown> } {
  const extra: Record<string, unknown> = {};
  let text = typeof m.text === 'string' ? m.text : typeof m.caption === 'string' ? m.caption : '';
  const entities = Array.isArray(m.entities) ? m.entities : Array.isArray(m.caption_entities) ? m.caption_entities : null;
  if (isObject(m.location) && !isObject(m.venue)) {
    const { latitude: lat, longitude: lng } = m.location;
    extra.location = { latitude: lat, longitude: lng };
    text = [text, `📍 ${lat}, ${lng}\nhttps://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`].filter(Boolean).join('\n');
  }
  if (isObject(m.venue)) {
    const v = m.venue;
    extra.location = { latitude: v.location?.latitude ?? null, longitude: v.location?.longitude ?? null, title: v.title ?? null, address: v.address ?? null };
    text = [text, `📍 ${[v.title, v.address].filter(Boolean).join(', ')}`].filter(Boolean).join('\n');
  }
  if (isObject(m.contact)) {
    const c = m.contact;
    extra.sharedContact = { phoneNumber: c.phone_number ?? null, name: [c.first_name, c.last_name].filter(Boolean).join(' ') || null, userId: c.user_id ?? null };
    text = [text, `👤 ${[c.first_name, c.last_name].filter(Boolean).join(' ')} ${c.phone_number ?? ''}`.trim()].filter(Boolean).join('\n');
  }
  for (const [k, describe] of Object.entries(DESCRIBED)) {
    if (k in m && !text) {
      text = describe(m[k]);
      extra.contentType = k;
    }
  }
  return { text, entities, extra };
}

function messageItem(updateId: string, m: Record<string, any>, now: Date): { item: TelegramMessageItem | null; reason: string | null } {
  const chat = isObject(m.chat) ? m.chat : null;
  const chatId = idOf(chat?.id);
  if (!chat || !chatId) return { item: null, reason: 'message without a chat id' };
  if (!['private', 'group', 'supergroup'].includes(chat.type)) return { item: null, reason: `messages in a ${String(chat.type)} chat are not conversations` };
  const from = telegramUser(m.from);
  if (!from) return { item: null, reason: 'message without a sender (anonymous admin or channel)' };
  if (m.from?.is_bot === true) return { item: null, reason: 'message from a bot' };
  const messageId = idOf(m.message_id);
  if (!messageId) return { item: null, reason: 'message without a message_id' };
  const media = mediaOf(m);
  const { text, entities, extra } = textOf(m);
  if (!text && media.length === 0) {
    const service = serviceKey(m);
    return {
      item: null,
      reason: service
        ? `service message (${service})`
        : `message without text or supported content (${
            Object.keys(m)
              .filter((k) => !['message_id', 'from', 'chat', 'date', 'message_thread_id', 'is_topic_message'].includes(k))
              .join(', ') || 'empty'
          })`,
    };
  }
  const topicId = chat.is_forum === true && m.is_topic_message === true && typeof m.message_thread_id === 'number' ? m.message_thread_id : null;
  const replyTarget = isObject(m.reply_to_message) && idOf(m.reply_to_message.message_id) ? m.reply_to_message : null;
  // In a forum, a topic message "replies" to the topic's creation message: not a real reply.
  const realReply = replyTarget && !('forum_topic_created' in replyTarget) ? `${chatId}:${replyTarget.message_id}` : null;
  return {
    reason: null,
    item: {
      type: 'message',
      externalId: `${chatId}:${messageId}`,
      chatId,
      chatType: chat.type,
      threadKey: telegramThreadKey(chatId, topicId),
      from,
      at: time(m.date, now),
      text,
      media,
      replyTo: realReply,
      callbackQueryId: null,
      metadata: {
        telegram: {
          updateId,
          chatId,
          chatType: chat.type,
          messageId: Number(messageId),
          ...(chat.type !== 'private' ? { chatTitle: chat.title ?? null } : {}),
          ...(topicId !== null ? { topicId } : {}),
          ...(from.username ? { username: from.username } : {}),
          ...(entities ? { entities } : {}),
          ...(isObject(m.forward_origin) ? { forwarded: true } : {}),
        },
        ...extra,
      },
    },
  };
}

/** Parses one Update (the webhook body). `now` stands in for missing dates. */
export function parseTelegramUpdate(body: unknown, now: Date = new Date()): TelegramParse {
  if (!isObject(body)) return { ok: false, updateId: null, reason: 'body is not a JSON object' };
  const updateId = idOf(body.update_id);
  if (!updateId) return { ok: false, updateId: null, reason: 'update_id missing or not an integer' };
  const ignore = (reason: string): TelegramParse => ({ ok: true, updateId, item: null, ignored: reason });

  if (isObject(body.message)) {
    const { item, reason } = messageItem(updateId, body.message, now);
    return item ? { ok: true, updateId, item, ignored: null } : ignore(reason!);
  }
  if (isObject(body.edited_message)) {
    const m = body.edited_message;
    const chatId = idOf(m.chat?.id);
    const messageId = idOf(m.message_id);
    if (!chatId || !messageId) return { ok: false, updateId, reason: 'edited_message without chat or message id' };
    const { text } = textOf(m);
    return { ok: true, updateId, item: { type: 'edit', externalId: `${chatId}:${messageId}`, text, at: time(m.edit_date ?? m.date, now) }, ignored: null };
  }
  if (isObject(body.callback_query)) {
    const q = body.callback_query;
    const from = telegramUser(q.from);
    if (!from || typeof q.id !== 'string') return { ok: false, updateId, reason: 'callback_query without id or sender' };
    const msg = isObject(q.message) ? q.message : null;
    const chatId = idOf(msg?.chat?.id) ?? from.id;
    const chatType = (['private', 'group', 'supergroup'].includes(msg?.chat?.type) ? msg!.chat.type : 'private') as TelegramMessageItem['chatType'];
    const topicId = msg?.chat?.is_forum === true && msg?.is_topic_message === true && typeof msg?.message_thread_id === 'number' ? msg.message_thread_id : null;
    const data = typeof q.data === 'string' ? q.data : typeof q.game_short_name === 'string' ? q.game_short_name : '';
    // Which button: its label when the message (with its keyboard) is still accessible.
    const label = Array.isArray(msg?.reply_markup?.inline_keyboard) ? (msg!.reply_markup.inline_keyboard.flat().find((b: any) => b?.callback_data === data)?.text ?? null) : null;
    return {
      ok: true,
      updateId,
      ignored: null,
      item: {
        type: 'message',
        externalId: `callback:${q.id}`,
        chatId,
        chatType,
        threadKey: telegramThreadKey(chatId, topicId),
        from,
        at: time(msg?.date, now),
        text: `🔘 ${label ?? data}`.trim(),
        media: [],
        replyTo: msg && idOf(msg.message_id) && msg.date !== 0 ? `${chatId}:${msg.message_id}` : null,
        callbackQueryId: q.id,
        metadata: { telegram: { updateId, chatId, chatType }, callbackQuery: { id: q.id, data, label } },
      },
    };
  }
  if (isObject(body.my_chat_member)) {
    const u = body.my_chat_member;
    const chatId = idOf(u.chat?.id);
    const status = u.new_chat_member?.status;
    if (u.chat?.type !== 'private' || !chatId) return ignore(`the bot's membership changed in a ${String(u.chat?.type)} chat (${String(status)})`);
    if (status === 'kicked') return { ok: true, updateId, item: { type: 'reachability', userId: chatId, reachable: false, at: time(u.date, now) }, ignored: null };
    if (status === 'member') return { ok: true, updateId, item: { type: 'reachability', userId: chatId, reachable: true, at: time(u.date, now) }, ignored: null };
    return ignore(`the bot's status in a private chat became ${String(status)}`);
  }
  const kind = Object.keys(body).find((k) => k !== 'update_id') ?? 'nothing';
  return ignore(`update type ${kind} is not handled`);
}
