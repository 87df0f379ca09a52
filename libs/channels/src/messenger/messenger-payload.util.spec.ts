import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMessagingWebhook } from './messenger-payload.util';

const ker0x = (p: string) => readFileSync(resolve(__dirname, '../../../../../shared/corpus/social/messenger/ker0x-messenger', p), 'utf8');
const wrap = (event: unknown, object = 'page') => ({ object, entry: [{ id: 'PAGE_ID', time: 1458692752478, messaging: [event] }] });
const parse = (body: unknown, kind: 'messenger' | 'instagram' = 'messenger') => {
  const r = parseMessagingWebhook(body, { kind, accountId: 'PAGE_ID' });
  if (!r.ok) throw new Error(r.reason);
  return r;
};

describe('parseMessagingWebhook (ker0x Messenger corpus)', () => {
  it.each([
    [
      'message',
      {
        type: 'message',
        externalId: 'mid.1457764197618:41d102a3e1ae206a38',
        from: 'USER_ID',
        text: 'hello, world!',
        media: [{ kind: 'image', mediaId: null, url: 'IMAGE_URL', mimeType: null, fileName: null }],
        metadata: expect.objectContaining({ quickReply: { payload: 'DEVELOPER_DEFINED_PAYLOAD' } }),
      },
    ],
    ['message_echo', { type: 'echo', externalId: 'mid.1457764197618:41d102a3e1ae206a38', to: 'PAGE_ID', text: 'hello, world!' }],
    ['delivery', { type: 'watermark', status: 'delivered', customer: 'USER_ID', mids: ['mid.1458668856218:ed81099e15d3f4f233'], watermark: '2016-03-22T17:47:36.253Z' }],
    ['read', { type: 'watermark', status: 'read', customer: 'USER_ID', mids: [], watermark: '2016-03-22T17:47:36.253Z' }],
    ['reaction', { type: 'reaction', target: '<MID>', from: 'USER_ID', emoji: '❤️' }],
    [
      'postback',
      {
        type: 'message',
        externalId: 'postback:USER_ID:1458692752478',
        text: 'TITLE_FOR_THE_CTA',
        metadata: expect.objectContaining({ postback: { payload: 'USER_DEFINED_PAYLOAD' }, referral: expect.objectContaining({ ref: 'USER_DEFINED_REFERRAL_PARAM' }) }),
      },
    ],
  ])('event/%s.json', (name, expected) => {
    const r = parse(wrap(JSON.parse(ker0x(`event/${name}.json`))));
    expect(r.items).toEqual([expect.objectContaining(expected)]);
  });

  it.each([
    'optin',
    'account_linking',
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
    'raw',
  ])('event/%s.json is ignored with a reason', (name) => {
    const r = parse(wrap(JSON.parse(ker0x(`event/${name}.json`))));
    expect(r.items).toEqual([]);
    expect(r.ignored).toEqual([expect.stringMatching(/events are not handled|unknown event "speech"/)]);
  });

  it('reads standby events (another app owns the thread) and full callbacks', () => {
    expect(parse(JSON.parse(ker0x('callback/stand_by.json'))).items).toEqual([
      expect.objectContaining({ type: 'message', metadata: expect.objectContaining({ messenger: { standby: true } }) }),
    ]);
  });

  it('ignores entries for another Page and rejects what is not a page webhook', () => {
    expect(parseMessagingWebhook(wrap({}), { kind: 'messenger', accountId: 'OTHER' })).toEqual({ ok: true, items: [], ignored: ["for account PAGE_ID, not this inbox's OTHER"] });
    expect(parseMessagingWebhook(wrap({}, 'instagram'), { kind: 'messenger', accountId: null })).toEqual({ ok: false, reason: 'object "instagram" is not page' });
  });
});

describe('parseMessagingWebhook (Instagram, from chatwoot factories)', () => {
  const ig = (message: Record<string, unknown>) => ({
    object: 'instagram',
    entry: [
      {
        id: 'PAGE_ID',
        time: '2021-09-08T06:34:04+0000',
        messaging: [{ sender: { id: 'Sender-id-1' }, recipient: { id: 'PAGE_ID' }, timestamp: '2021-09-08T06:34:04+0000', message }],
      },
    ],
  });
  it.each([
    ['a text', { mid: 'm1', text: 'hi' }, { type: 'message', text: 'hi', at: '2021-09-08T06:34:04.000Z' }],
    ['an unsend', { mid: 'm1', is_deleted: true }, { type: 'revoke', target: 'm1' }],
    [
      'a story mention',
      { mid: 'm2', attachments: [{ type: 'story_mention', payload: { url: 'https://x.example/s.jpg' } }] },
      { type: 'message', text: '[story_mention] https://x.example/s.jpg' },
    ],
    [
      'an ig_story share',
      { mid: 'm3', attachments: [{ type: 'ig_story', payload: { story_media_id: '1', story_media_url: 'https://lookaside.fbsbx.com/s' } }] },
      { type: 'message', text: '[ig_story] https://lookaside.fbsbx.com/s' },
    ],
    ['an unknown attachment', { mid: 'm4', attachments: [{ type: 'hologram' }] }, { type: 'message', text: '[Unsupported Instagram attachment: hologram]' }],
    ['an empty message', { mid: 'm5' }, { type: 'message', text: '[Unsupported Instagram message]' }],
  ])('%s', (_, message, expected) => {
    expect(parse(ig(message), 'instagram').items).toEqual([expect.objectContaining(expected)]);
  });
});
