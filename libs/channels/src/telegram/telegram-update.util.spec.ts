import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { classifyTelegramError } from './telegram-api.client';
import { splitTelegramText } from './telegram-channel.adapter';
import { checkTelegramSecret } from './telegram-webhook.service';
import { parseTelegramThreadKey, parseTelegramUpdate, telegramThreadKey } from './telegram-update.util';

const DIR = resolve(__dirname, '../../../../../shared/corpus/social/telegram/nutgram');
const update = (file: string): unknown => JSON.parse(readFileSync(resolve(DIR, file), 'utf8'));
const NOW = new Date('2025-01-01T00:00:00Z');

describe('parseTelegramUpdate: customer messages (nutgram corpus)', () => {
  it.each([
    ['text.json', { externalId: expect.stringMatching(/^\d+:\d+$/), chatType: 'private', media: [] }],
    [
      'message.json',
      { externalId: '456:123', threadKey: 'telegram:456', text: 'Ciao', from: { id: '456', name: 'Mario', username: 'Bros', language: 'en' }, at: '2023-05-25T03:17:44.000Z' },
    ],
    ['photo.json', { text: 'asdasdasdasdasdasd', media: [{ kind: 'photo', fileId: 'SAAS', fileName: null, mimeType: 'image/jpeg', size: 84913 }] }],
    ['document.json', { media: [expect.objectContaining({ kind: 'document' })] }],
    ['voice.json', { media: [expect.objectContaining({ kind: 'voice', mimeType: expect.stringMatching(/^audio\//) })] }],
    ['audio.json', { media: [expect.objectContaining({ kind: 'audio' })] }],
    ['video.json', { media: [expect.objectContaining({ kind: 'video' })] }],
    ['video_note.json', { media: [expect.objectContaining({ kind: 'video_note' })] }],
    ['sticker.json', { media: [expect.objectContaining({ kind: 'sticker' })] }],
    ['animation.json', { media: [expect.objectContaining({ kind: 'animation' })] }],
    [
      'location.json',
      { text: expect.stringContaining('openstreetmap.org'), metadata: expect.objectContaining({ location: expect.objectContaining({ latitude: expect.any(Number) }) }) },
    ],
    ['venue.json', { text: expect.stringMatching(/^📍 /), metadata: expect.objectContaining({ location: expect.any(Object) }) }],
    ['contact.json', { text: expect.stringMatching(/^👤 /), metadata: expect.objectContaining({ sharedContact: expect.objectContaining({ phoneNumber: expect.any(String) }) }) }],
    ['dice.json', { text: expect.stringMatching(/\d$/), metadata: expect.objectContaining({ contentType: 'dice' }) }],
    ['entities.json', { metadata: expect.objectContaining({ telegram: expect.objectContaining({ entities: expect.any(Array) }) }) }],
    ['message_topic.json', { chatType: 'supergroup', threadKey: 'telegram:-1001234567489:topic:33', replyTo: null, text: 'lòklò' }],
    [
      'callback_query.json',
      { externalId: 'callback:666728699048485871', threadKey: 'telegram:222222222', text: '🔘 thedata', callbackQueryId: '666728699048485871', replyTo: '222222222:69587' },
    ],
  ])('%s becomes a message', (file, expected) => {
    const r = parseTelegramUpdate(update(file), NOW);
    if (!r.ok || !r.item || r.item.type !== 'message') throw new Error(`${file}: ${JSON.stringify(r)}`);
    expect(r.item).toMatchObject(expected);
  });

  it('a reply names the message it answers, a topic reply keeps its topic thread', () => {
    const r = parseTelegramUpdate(update('message_different_topic_reply.json'), NOW);
    if (!r.ok || r.item?.type !== 'message') throw new Error(JSON.stringify(r));
    expect(r.item.threadKey).toMatch(/^telegram:-\d+(:topic:\d+)?$/);
  });

  it('an edit names the stored message and carries the new text', () => {
    const r = parseTelegramUpdate(update('edited_message.json'), NOW);
    expect(r).toMatchObject({ ok: true, item: { type: 'edit', externalId: expect.stringMatching(/^-?\d+:\d+$/), text: expect.any(String) } });
  });

  it('my_chat_member: kicked in a private chat makes the user unreachable, member reachable again; other chats are ignored', () => {
    const base = update('my_chat_member.json') as any;
    const kicked = { ...base, my_chat_member: { ...base.my_chat_member, new_chat_member: { ...base.my_chat_member.new_chat_member, status: 'kicked' } } };
    expect(parseTelegramUpdate(kicked, NOW)).toMatchObject({ ok: true, item: { type: 'reachability', userId: '987654321', reachable: false } });
    const member = { ...base, my_chat_member: { ...base.my_chat_member, new_chat_member: { ...base.my_chat_member.new_chat_member, status: 'member' } } };
    expect(parseTelegramUpdate(member, NOW)).toMatchObject({ ok: true, item: { type: 'reachability', reachable: true } });
    const group = { ...kicked, my_chat_member: { ...kicked.my_chat_member, chat: { id: -100123, title: 'G', type: 'supergroup' } } };
    expect(parseTelegramUpdate(group, NOW)).toMatchObject({ ok: true, item: null, ignored: expect.stringContaining('supergroup') });
  });

  it.each([
    ['channel_post.json', 'update type channel_post is not handled'],
    ['inline_query.json', 'update type inline_query is not handled'],
    ['poll_answer.json', 'update type poll_answer is not handled'],
    ['new_chat_members.json', 'service message (new_chat_members)'],
    ['pinned_message.json', 'service message (pinned_message)'],
    ['forum_topic_created.json', 'service message (forum_topic_created)'],
  ])('%s is ignored: %s', (file, reason) => {
    expect(parseTelegramUpdate(update(file), NOW)).toEqual({ ok: true, updateId: expect.any(String), item: null, ignored: reason });
  });

  it.each([
    ['not an object', 'nope', 'body is not a JSON object'],
    ['no update_id', { message: { text: 'hi' } }, 'update_id missing or not an integer'],
    ['a string update_id', { update_id: 'x1', message: {} }, 'update_id missing or not an integer'],
  ])('%s is rejected', (_, body, reason) => {
    expect(parseTelegramUpdate(body, NOW)).toEqual({ ok: false, updateId: null, reason });
  });

  it('every corpus update is a message, an edit, a reachability change, or ignored with a reason; none throws', () => {
    const counts: Record<string, number> = {};
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json'))) {
      const r = parseTelegramUpdate(update(file), NOW);
      const key = r.ok ? (r.item ? r.item.type : 'ignored') : 'rejected';
      counts[key] = (counts[key] ?? 0) + 1;
      if (r.ok && !r.item) expect(r.ignored).toEqual(expect.any(String));
    }
    expect(counts).toEqual(CORPUS_COUNTS);
  });
});

// Pinned so a parser change that drops (or starts taking) corpus updates is a visible decision.
const CORPUS_COUNTS: Record<string, number> = { message: 38, edit: 1, ignored: 66 };

describe('thread keys', () => {
  it.each([
    ['456', null, 'telegram:456'],
    ['-1001234567489', 33, 'telegram:-1001234567489:topic:33'],
  ])('chat %s topic %s ⇄ %s', (chat, topic, key) => {
    expect(telegramThreadKey(chat, topic)).toBe(key);
    expect(parseTelegramThreadKey(key)).toEqual({ chatId: chat, topicId: topic });
  });
  it('refuses what is not a Telegram thread', () => expect(parseTelegramThreadKey('contact:42')).toBeNull());
});

describe('checkTelegramSecret', () => {
  it.each([
    ['the right token', 'secret-ABC_123', { ok: true }],
    ['no header', undefined, { ok: false, reason: 'X-Telegram-Bot-Api-Secret-Token header missing' }],
    ['a wrong token', 'secret-ABC_124', { ok: false, reason: 'secret token mismatch' }],
    ['a prefix', 'secret-ABC', { ok: false, reason: 'secret token mismatch' }],
  ])('%s', (_, header, expected) => expect(checkTelegramSecret('secret-ABC_123', header)).toEqual(expected));
  it('never accepts anything when no token is stored', () => expect(checkTelegramSecret('', '')).toEqual({ ok: false, reason: 'X-Telegram-Bot-Api-Secret-Token header missing' }));
});

describe('classifyTelegramError', () => {
  it.each([
    [429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } }, { kind: 'rate_limited', retryAfterSeconds: 7 }],
    [403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }, { kind: 'blocked', detail: 'Forbidden: bot was blocked by the user' }],
    [401, { ok: false, error_code: 401, description: 'Unauthorized' }, { kind: 'auth' }],
    [404, { ok: false, error_code: 404, description: 'Not Found' }, { kind: 'auth' }],
    [400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' }, { kind: 'rejected', detail: 'Bad Request: chat not found' }],
    [502, null, { kind: 'server', detail: 'HTTP 502' }],
  ])('HTTP %s %j', (status, body, expected) => expect(classifyTelegramError(status, body)).toMatchObject(expected));
});

describe('splitTelegramText', () => {
  it('keeps a short text whole', () => expect(splitTelegramText('hello')).toEqual(['hello']));
  it('cuts at a line or word boundary under the limit', () => {
    const parts = splitTelegramText(`${'a'.repeat(30)} ${'b'.repeat(30)}\n${'c'.repeat(30)}`, 40);
    expect(parts).toEqual(['a'.repeat(30), `${'b'.repeat(30)}`, 'c'.repeat(30)]);
    expect(parts.every((p) => p.length <= 40)).toBe(true);
  });
  it('cuts a word longer than the limit', () => expect(splitTelegramText('x'.repeat(90), 40)).toEqual(['x'.repeat(40), 'x'.repeat(40), 'x'.repeat(10)]));
});
