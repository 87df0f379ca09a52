import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SlackInboxRules, classifySlackEnvelope, isRetryableSlackError, parseSlackThreadKey, slackEscape, slackTextToPlain, slackThreadKey } from './slack-event.util';

const corpus = (p: string) => JSON.parse(readFileSync(resolve(__dirname, '../../../../../shared/corpus/slack', p), 'utf8'));
const rules: SlackInboxRules = { watchedChannels: [], botUserId: 'U0442US8QGH', botId: 'B0439P161B9' };
const envelope = (event: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'event_callback', event_id: 'Ev1', team_id: 'T1', event, ...extra });
const msg = (f: Record<string, unknown> = {}) => ({ type: 'message', channel: 'C111', channel_type: 'channel', user: 'U9', text: 'hi', ts: '1700000000.000100', ...f });

describe('classifySlackEnvelope', () => {
  it.each([
    ['a url_verification handshake', { type: 'url_verification', challenge: 'abc' }, { action: 'challenge', challenge: 'abc' }],
    ['a url_verification without challenge', { type: 'url_verification' }, { action: 'reject' }],
    ['an array', [1, 2], { action: 'reject', reason: 'the body is not a JSON object' }],
    ['an interactivity payload', { type: 'block_actions' }, { action: 'reject', reason: '"block_actions" is not an Events API envelope type' }],
    ['a Web API response', { ok: true, channel: 'C1' }, { action: 'reject', reason: 'not an Events API envelope (no type)' }],
    ['an envelope without event_id', { type: 'event_callback', event: msg() }, { action: 'reject', reason: 'event_callback without an event_id' }],
    ['an envelope without event', { type: 'event_callback', event_id: 'Ev1' }, { action: 'reject' }],
    ['app_rate_limited', { type: 'app_rate_limited' }, { action: 'ignore' }],
    ['a reaction', envelope({ type: 'reaction_added' }), { action: 'ignore', reason: 'event type "reaction_added" is not handled' }],
    ['a message without channel', envelope(msg({ channel: undefined })), { action: 'reject' }],
    ['a message without ts', envelope(msg({ ts: undefined })), { action: 'reject' }],
    ['a channel join', envelope(msg({ subtype: 'channel_join' })), { action: 'ignore', reason: 'message subtype "channel_join" is not a customer message' }],
    ['our own bot user', envelope(msg({ user: 'U0442US8QGH' })), { action: 'ignore', reason: 'our own message (echo of what we posted)' }],
    ['our own bot id', envelope(msg({ user: undefined, bot_id: 'B0439P161B9' })), { action: 'ignore', reason: 'our own message (echo of what we posted)' }],
    ['another bot', envelope(msg({ bot_id: 'BOTHER' })), { action: 'ignore', reason: 'a message from another bot or app' }],
    ['a bot_message subtype', envelope(msg({ subtype: 'bot_message', user: undefined })), { action: 'ignore' }],
    ['an empty message', envelope(msg({ text: '  ' })), { action: 'ignore' }],
    ['a message without user', envelope(msg({ user: undefined })), { action: 'ignore' }],
  ])('%s', (_, body, expected) => {
    expect(classifySlackEnvelope(body, rules)).toMatchObject(expected);
  });

  it('ingests a top-level channel message with its thread, team and shared-channel flag', () => {
    const sut = classifySlackEnvelope(envelope(msg({ team: 'TX' }), { is_ext_shared_channel: true }), rules);
    expect(sut).toEqual({
      action: 'ingest',
      eventId: 'Ev1',
      message: { channel: 'C111', ts: '1700000000.000100', threadTs: null, user: 'U9', team: 'TX', text: 'hi', files: [], channelType: 'channel', externalShared: true },
    });
  });

  it('keeps thread_ts of a reply and drops it on the parent itself', () => {
    expect(classifySlackEnvelope(envelope(msg({ thread_ts: '1699999999.000001' })), rules)).toMatchObject({ message: { threadTs: '1699999999.000001' } });
    expect(classifySlackEnvelope(envelope(msg({ thread_ts: '1700000000.000100' })), rules)).toMatchObject({ message: { threadTs: null } });
  });

  it('watches only the listed channels, but always DMs', () => {
    const only = { ...rules, watchedChannels: ['C222'] };
    expect(classifySlackEnvelope(envelope(msg()), only)).toMatchObject({ action: 'ignore', reason: 'channel C111 is not watched by this inbox' });
    expect(classifySlackEnvelope(envelope(msg({ channel: 'C222' })), only)).toMatchObject({ action: 'ingest' });
    expect(classifySlackEnvelope(envelope(msg({ channel: 'D333', channel_type: 'im' })), only)).toMatchObject({ action: 'ingest' });
  });

  it.each([
    ['SlackWebhookEvent/messageExample.json', { action: 'ingest', message: { channel: 'C043YJGBY49', text: 'dgsfklsdgf', user: 'U043H11ES4V' } }],
    ['SlackWebhookEvent/messageIm.json', { action: 'ingest', message: { channel: 'D0442US94JD', channelType: 'im' } }],
    ['SlackWebhookEvent/message_file_share.json', { action: 'ingest', message: { files: [{ id: 'F04EEHX1EES', name: 'namenamename.txt', mimetype: 'text/plain', size: 12 }] } }],
    ['SlackWebhookEvent/botMessage.json', { action: 'ignore', reason: 'our own message (echo of what we posted)' }],
    ['SlackWebhookEvent/circleci.json', { action: 'ignore', reason: 'a message from another bot or app' }],
    ['SlackWebhookEvent/joinChannel.json', { action: 'ignore' }],
    ['SlackWebhookEvent/messageChange.json', { action: 'edit', channel: 'C043YJGBY49', ts: '1663969333.524439' }],
    ['SlackWebhookEvent/message_deleted.json', { action: 'delete', channel: 'C043YJGBY49', ts: '1663966382.046509' }],
    ['SlackWebhookEvent/channel_shared.json', { action: 'ignore' }],
    ['SlackWebhookEvent/slackbotIm.json', { action: 'ignore', reason: 'a Slackbot notice' }],
    ['SlackWebhookEvent/forwarded_message.json', { action: 'ingest', message: { text: '[August 29th, 2024 10:24 AM] lev: 123' } }],
    ['SlackWebhookEvent/share_without_message.json', { action: 'ingest', message: { text: '[October 12th, 2022 4:04 PM] jadel: blahblahblahblahblah' } }],
  ])('classifies the corpus file %s', (file, expected) => {
    expect(classifySlackEnvelope(corpus(`slack-web/${file}`), rules)).toMatchObject(expected);
  });
});

describe('thread keys', () => {
  it.each([
    ['C1AB', '1.000001', null, 'channel', 'C1AB:1.000001'],
    ['C1AB', '2.000002', '1.000001', 'channel', 'C1AB:1.000001'],
    ['D1AB', '2.000002', '1.000001', 'im', 'D1AB'],
    ['D1AB', '2.000002', null, null, 'D1AB'],
    ['G1AB', '2.000002', null, 'group', 'G1AB:2.000002'],
  ])('%s %s thread %s (%s) → %s', (channel, ts, threadTs, type, key) => {
    expect(slackThreadKey(channel, ts, threadTs, type)).toBe(key);
  });

  it.each([
    ['C1AB:1.000001', { channel: 'C1AB', threadTs: '1.000001' }],
    ['D1AB', { channel: 'D1AB', threadTs: null }],
    ['contact:x', null],
    ['C1AB:nope', null],
    ['C1AB:1.1:2', null],
  ])('parses %s', (key, expected) => {
    expect(parseSlackThreadKey(key)).toEqual(expected);
  });
});

describe('slackTextToPlain', () => {
  it.each([
    ['a &amp; b &lt;c&gt;', 'a & b <c>'],
    ['see <https://x.io/a|the docs>', 'see the docs (https://x.io/a)'],
    ['<https://x.io>', 'https://x.io'],
    ['mail <mailto:a@b.c|a@b.c>', 'mail a@b.c'],
    ['in <#C123|general> <!here>', 'in #general @here'],
    ['hi <@U123>', 'hi <@U123>'],
  ])('%s', (input, out) => expect(slackTextToPlain(input)).toBe(out));
});

describe('isRetryableSlackError', () => {
  it.each([
    ['ratelimited', true],
    ['internal_error', true],
    ['invalid_auth', false],
    ['channel_not_found', false],
    ['not_in_channel', false],
  ])('%s → %s', (code, retry) => expect(isRetryableSlackError(code)).toBe(retry));
});

describe('slackEscape', () => {
  it.each([
    ['a < b & c > d', 'a &lt; b &amp; c &gt; d'],
    ['plain', 'plain'],
  ])('%s', (input, out) => {
    expect(slackEscape(input)).toBe(out);
    expect(slackTextToPlain(slackEscape(input))).toBe(input);
  });
});
