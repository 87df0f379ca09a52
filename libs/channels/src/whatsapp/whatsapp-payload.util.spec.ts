import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeGraphErrors, parseWhatsAppWebhook } from './whatsapp-payload.util';

const pywa = (file: string): Record<string, unknown> => JSON.parse(readFileSync(resolve(__dirname, '../../../../../shared/corpus/social/whatsapp/pywa', file), 'utf8'));
const sample = (file: string, name: string) => pywa(file)[name];
const NUMBER = '1122334455667';
const parse = (body: unknown, phoneNumberId: string | null = NUMBER) => {
  const r = parseWhatsAppWebhook(body, { phoneNumberId });
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r;
};
const only = (file: string, name: string) => {
  const r = parse(sample(file, name), null);
  expect(r.items).toHaveLength(1);
  return r.items[0] as any;
};

describe('parseWhatsAppWebhook: customer messages (pywa corpus)', () => {
  it.each([
    ['text', { text: 'Body Text', media: [] }],
    ['image', { text: '', media: [{ kind: 'image', mediaId: '65463453', url: null, mimeType: 'image/jpeg', fileName: null }] }],
    ['media_with_url', { media: [expect.objectContaining({ mediaId: '65463453', url: expect.stringMatching(/^https:\/\/lookaside\.fbsbx\.com\//) })] }],
    ['video', { text: 'caption', media: [expect.objectContaining({ kind: 'video', mimeType: 'video/mp4' })], metadata: expect.objectContaining({ forwarded: true }) }],
    ['document', { text: 'caption', media: [expect.objectContaining({ kind: 'document', fileName: 'filename.pdf', mimeType: 'application/pdf' })] }],
    ['audio', { media: [expect.objectContaining({ kind: 'audio' })] }],
    ['voice', { media: [expect.objectContaining({ kind: 'voice', mimeType: 'audio/ogg; codecs=opus' })] }],
    ['static_sticker', { media: [expect.objectContaining({ kind: 'sticker', mimeType: 'image/webp' })] }],
    ['animated_sticker', { media: [expect.objectContaining({ kind: 'sticker' })], metadata: expect.objectContaining({ animatedSticker: true }) }],
    [
      'current_location',
      {
        text: '(12.25089, 43.90539) https://www.openstreetmap.org/?mlat=12.25089&mlon=43.90539#map=16/12.25089/43.90539',
        metadata: expect.objectContaining({ location: expect.objectContaining({ latitude: 12.25089 }) }),
      },
    ],
    ['chosen_location', { text: expect.stringMatching(/^Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025 \(37.4611978, -122.2164385\) https:/) }],
    ['contacts', { text: 'Chandler Bing +1 555-555-5555\nMonica +1 666-666-6666\nRachel Green +1 777-777-7777' }],
    ['order', { text: expect.stringMatching(/^Order from catalog 354160437058781:\n3 × HAMBURGER at 30 ILS\n/) }],
    [
      'unsupported',
      {
        text: '[Unsupported WhatsApp message: unsupported]',
        metadata: expect.objectContaining({ unsupported: expect.any(Object), errors: '131051 Message type unknown: Message type is currently not supported.' }),
      },
    ],
    ['unsupported_with_type', { text: '[Unsupported WhatsApp message: pool]' }],
    ['reply', { text: 'replied text', replyTo: 'wamid.xyzxyz==' }],
    ['forwarded_many_times', { metadata: expect.objectContaining({ forwarded: 'frequently' }) }],
    ['interactive_message_with_err', { text: '[Unsupported WhatsApp message: interactive]', externalId: 'wamid.wegrchytvwcggt=' }],
    ['referral', { text: 'BODY', metadata: expect.objectContaining({ referral: expect.objectContaining({ source_id: 'ADID', ctwa_clid: 'CTWA_CLID' }) }) }],
  ])('message.json %s', (name, expected) => {
    const item = only('message.json', name);
    expect(item).toMatchObject({ type: 'message', from: '972987654321', name: 'Test Name', phone: '+972987654321', ...expected });
    expect(item.at).toMatch(/^2023-/);
  });

  it.each([
    ['callback_button.json', 'button', { text: 'title', metadata: expect.objectContaining({ interactive: { type: 'button_reply', id: 'callback_data' } }) }],
    ['callback_button.json', 'quick_reply', { text: 'title', metadata: expect.objectContaining({ button: { payload: 'callback_data' } }) }],
    ['callback_selection.json', 'description', { text: 'title — description', metadata: expect.objectContaining({ interactive: { type: 'list_reply', id: 'callback_data' } }) }],
    ['system.json', 'phone_number_change', { text: 'User A changed from 972987654321 to 972912345678', name: null }],
    ['call_permission_update.json', 'accept', { text: '[WhatsApp call permission reply: accept]', replyTo: 'wamid.y==' }],
  ])('%s %s', (file, name, expected) => {
    expect(only(file, name)).toMatchObject({ type: 'message', ...expected });
  });

  it.each([
    ['reaction', { type: 'reaction', target: 'wamid.yzxyzx=', from: '972987654321', emoji: '😮' }],
    ['unreaction_empty', { type: 'reaction', target: 'wamid.yzxyzx=', emoji: null }],
    ['unreaction_no_emoji', { type: 'reaction', emoji: null }],
  ])('a %s updates the message it reacts to', (name, expected) => {
    expect(only('message.json', name)).toMatchObject(expected);
  });

  it('turns revokes and edits into updates of the original message', () => {
    expect(only('deleted_message.json', 'revoke')).toMatchObject({ type: 'revoke', target: '<ORIGINAL_WHATSAPP_MESSAGE_ID>' });
    expect(only('edited_message.json', 'image')).toMatchObject({
      type: 'edit',
      target: 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=',
      text: 'Updated image caption',
    });
  });
});

describe('parseWhatsAppWebhook: statuses and echoes', () => {
  it.each([
    ['sent', 'sent', null],
    ['delivered', 'delivered', null],
    ['read', 'read', null],
    ['played', 'read', null],
    ['failed', 'failed', "130472 User's number is part of an experiment: Failed to send message because this user's phone number is part of an experiment"],
  ])('status %s becomes %s', (name, status, error) => {
    expect(only('message_status.json', name)).toEqual({ type: 'status', externalId: 'wamid.xyzxyz', status, recipient: '972987654321', at: expect.any(String), error });
  });

  it('keeps echoes of the WhatsApp Business app as outbound, never as customer messages', () => {
    expect(only('outgoing_message.json', 'text')).toMatchObject({ type: 'echo', externalId: '<WHATSAPP_MESSAGE_ID>', to: '<WHATSAPP_USER_PHONE_NUMBER>', text: 'Test message' });
    expect(only('outgoing_message.json', 'delete')).toMatchObject({ type: 'revoke', target: 'wamid.zzzzzz' });
  });
});

describe('parseWhatsAppWebhook: what is not for agents, and what is not a webhook', () => {
  it.each([
    'account_update.json',
    'template_status_update.json',
    'template_quality_update.json',
    'template_category_update.json',
    'template_components_update.json',
    'call_connect.json',
    'call_status.json',
    'call_terminate.json',
    'user_marketing_preferences.json',
  ])('%s: every sample is ignored with a reason', (file) => {
    for (const [name, body] of Object.entries(pywa(file))) {
      const r = parseWhatsAppWebhook(body, { phoneNumberId: null });
      expect({ name, ok: r.ok, items: r.ok ? r.items : null }).toEqual({ name, ok: true, items: [] });
      if (r.ok) expect(r.ignored.join()).toMatch(/is not handled|not a customer/);
    }
  });

  it('ignores changes for another phone number of the business account', () => {
    const r = parse(sample('message.json', 'text'), '999999999');
    expect(r).toEqual({ ok: true, items: [], ignored: ["for phone number 1122334455667, not this inbox's 999999999"] });
  });

  it.each([
    ['an array', [], 'the body is not a JSON object'],
    ['a Messenger body', { object: 'page', entry: [] }, 'object "page" is not whatsapp_business_account'],
    ['no entry', { object: 'whatsapp_business_account' }, 'entry is not a list'],
  ])('rejects %s', (_, body, reason) => {
    expect(parseWhatsAppWebhook(body, { phoneNumberId: NUMBER })).toEqual({ ok: false, reason });
  });

  it('never throws on hostile shapes', () => {
    for (const body of [
      { object: 'whatsapp_business_account', entry: [null, 1, { changes: [null, { field: 'messages', value: { messages: [null, {}, { id: 'x' }], statuses: [{}, null] } }] }] },
    ]) {
      const r = parse(body, null);
      expect(r.items).toEqual([]);
      expect(r.ignored.length).toBeGreaterThan(3);
    }
  });

  it('describes Graph errors with code, title and details', () => {
    expect(describeGraphErrors([{ code: 131047, title: 'Re-engagement message', error_data: { details: 'More than 24 hours have passed' } }])).toBe(
      '131047 Re-engagement message: More than 24 hours have passed',
    );
    expect(describeGraphErrors(undefined)).toBeNull();
  });
});
