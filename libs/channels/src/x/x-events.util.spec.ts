import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import OAuth from 'oauth-1.0a';
import { classifyXError } from './x-api.client';
import { crcResponse, parseXWebhook, verifyXSignature } from './x-events.util';

const DIR = resolve(__dirname, '../../../../../shared/corpus/social/twitter/twitter-ruby');
const json = (file: string): any => JSON.parse(readFileSync(resolve(DIR, file), 'utf8'));
const ACCOUNT = '22095868';

describe('CRC and signatures', () => {
  // The example from X's "Securing webhooks" guide: consumer secret + crc_token → response_token.
  it('answers the CRC with sha256= and the base64 HMAC of the token', () => {
    const expected = `sha256=${createHmac('sha256', 'consumer-secret').update('crc-token-123').digest('base64')}`;
    expect(crcResponse('consumer-secret', 'crc-token-123')).toBe(expected);
  });

  const body = Buffer.from('{"for_user_id":"1","direct_message_events":[]}');
  const good = `sha256=${createHmac('sha256', 'consumer-secret').update(body).digest('base64')}`;
  it.each([
    ['the right signature', good, body, { ok: true }],
    ['no header', undefined, body, { ok: false, reason: 'x-twitter-webhooks-signature header missing' }],
    ['another algorithm', 'sha1=abc', body, { ok: false, reason: 'x-twitter-webhooks-signature must start with sha256=' }],
    ['a tampered body', good, Buffer.from('{"for_user_id":"2","direct_message_events":[]}'), { ok: false, reason: 'signature mismatch' }],
    ['another secret', `sha256=${createHmac('sha256', 'other').update(body).digest('base64')}`, body, { ok: false, reason: 'signature mismatch' }],
  ])('%s', (_, header, raw, expected) => expect(verifyXSignature('consumer-secret', raw, header)).toEqual(expected));
});

describe('parseXWebhook', () => {
  const aa = (events: unknown[], users: Record<string, unknown> = {}) => ({ for_user_id: ACCOUNT, direct_message_events: events, users });

  it('turns the corpus DM events into customer messages, t.co links expanded', () => {
    const r = parseXWebhook(aa(json('direct_message_events.json').events), ACCOUNT);
    if (!r.ok) throw new Error(r.reason);
    expect(r.items.length).toBeGreaterThan(0);
    expect(r.items[0]).toMatchObject({
      type: 'message',
      externalId: '856574281366605831',
      customer: '358486183',
      text: 'Thanks https://twitter.com/i/stickers/image/10011',
      at: '2017-04-24T18:23:17.715Z',
    });
    expect(r.items.every((i) => i.type === 'message' || i.type === 'echo')).toBe(true);
  });

  it("names the sender from users, and the account's own messages are echoes to the customer", () => {
    const e = (id: string, from: string, to: string, text: string) => ({
      type: 'message_create',
      id,
      created_timestamp: '1700000000000',
      message_create: { target: { recipient_id: to }, sender_id: from, message_data: { text } },
    });
    const r = parseXWebhook(aa([e('1', '99', ACCOUNT, 'hi'), e('2', ACCOUNT, '99', 'hello from the app')], { 99: { id: '99', name: 'Marta', screen_name: 'marta' } }), ACCOUNT);
    expect(r).toMatchObject({
      ok: true,
      items: [
        { type: 'message', customer: '99', name: 'Marta', username: 'marta' },
        { type: 'echo', customer: '99', text: 'hello from the app' },
      ],
    });
  });

  it('keeps the media URL of an attachment and drops its t.co link from the text', () => {
    const r = parseXWebhook(
      aa([
        {
          type: 'message_create',
          id: '5',
          created_timestamp: '1700000000000',
          message_create: {
            target: { recipient_id: ACCOUNT },
            sender_id: '7',
            message_data: {
              text: 'look https://t.co/abc',
              attachment: { type: 'media', media: { id_str: '44', type: 'photo', url: 'https://t.co/abc', media_url_https: 'https://ton.twitter.com/1.1/ton/data/dm/5/44/x.jpg' } },
            },
          },
        },
      ]),
      ACCOUNT,
    );
    expect(r).toMatchObject({ ok: true, items: [{ text: 'look', media: [{ url: 'https://ton.twitter.com/1.1/ton/data/dm/5/44/x.jpg', type: 'photo', id: '44' }] }] });
  });

  it.each([
    ['not an object', [], 'body is not a JSON object'],
    ['no for_user_id', { direct_message_events: [] }, 'for_user_id missing: not an Account Activity event'],
    ['another account', { for_user_id: '1', direct_message_events: [] }, `for_user_id 1 is not this inbox's account (${ACCOUNT})`],
    ['events not an array', { for_user_id: ACCOUNT, direct_message_events: {} }, 'direct_message_events is not an array'],
  ])('rejects %s', (_, body, reason) => expect(parseXWebhook(body, ACCOUNT)).toEqual({ ok: false, reason }));

  it('ignores other Account Activity events with their names', () => {
    expect(parseXWebhook({ for_user_id: ACCOUNT, tweet_create_events: [{}], favorite_events: [{}] }, ACCOUNT)).toEqual({
      ok: true,
      items: [],
      ignored: ['tweet_create_events are not handled', 'favorite_events are not handled'],
    });
  });

  it('judges every corpus file as a webhook body: none throws, each rejected or ignored with a reason', () => {
    const outcomes = readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => {
        const r = parseXWebhook(json(f), ACCOUNT);
        return r.ok ? (r.items.length ? 'items' : `ignored: ${r.ignored.join('; ')}`) : `rejected: ${r.reason}`;
      });
    // None of the files is an Account Activity body itself (API responses and legacy objects).
    expect(outcomes.every((o) => o.startsWith('rejected: '))).toBe(true);
  });
});

describe('OAuth 1.0a signing (oauth-1.0a)', () => {
  // The worked example of X's "Creating a signature" guide.
  it('produces the documented signature', () => {
    const oauth = new OAuth({
      consumer: { key: 'xvz1evFS4wEEPTGEFPHBog', secret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw' },
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
    });
    oauth.getNonce = () => 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg';
    oauth.getTimeStamp = () => 1318622958;
    const signed = oauth.authorize(
      { url: 'https://api.twitter.com/1.1/statuses/update.json?include_entities=true', method: 'POST', data: { status: 'Hello Ladies + Gentlemen, a signed OAuth request!' } },
      { key: '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb', secret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE' },
    );
    expect(signed.oauth_signature).toBe('hCtSmYh+iHYCEqBWrE7C7hYmtUk=');
  });
});

describe('classifyXError', () => {
  it.each([
    [429, { title: 'Too Many Requests', detail: 'Too Many Requests' }, { reset: '1700000030' }, { kind: 'rate_limited', retryAfterSeconds: 30 }],
    [401, { title: 'Unauthorized', detail: 'Unauthorized' }, {}, { kind: 'auth', detail: 'Unauthorized: Unauthorized' }],
    [
      403,
      { title: 'Forbidden', detail: 'You are not permitted to send Direct Messages to this user.' },
      {},
      { kind: 'rejected', detail: 'Forbidden: You are not permitted to send Direct Messages to this user.' },
    ],
    [503, null, {}, { kind: 'server', detail: 'HTTP 503' }],
  ])('HTTP %s', (status, body, headers, expected) => expect(classifyXError(status, body, headers, 1700000000)).toMatchObject(expected));
});
