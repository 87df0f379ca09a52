import { createHmac } from 'node:crypto';
import { checkVerification, metaSignature, verifyMetaSignature } from './meta-signature.util';

const secret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const body = Buffer.from('{"object":"page","entry":[{"id":"1","messaging":[{"message":{"text":"héllo"}}]}]}');

describe('verifyMetaSignature', () => {
  it('computes what Meta documents: sha256= + hex HMAC-SHA256 of the raw body with the app secret', () => {
    expect(metaSignature(secret, body)).toBe('sha256=' + createHmac('sha256', secret).update(body).digest('hex'));
  });

  it.each([
    ['a correctly signed body', metaSignature(secret, body), body, null],
    ['upper-case hex', 'sha256=' + metaSignature(secret, body).slice(7).toUpperCase(), body, null],
    ['another secret', metaSignature('another-secret', body), body, /signature mismatch/],
    ['a tampered body', metaSignature(secret, body), Buffer.from(body.toString().replace('héllo', 'hello')), /signature mismatch/],
    ['the legacy SHA-1 header value', 'sha1=' + createHmac('sha1', secret).update(body).digest('hex'), body, /must start with sha256=/],
    ['no header', undefined, body, /header missing/],
    ['a truncated signature', metaSignature(secret, body).slice(0, 30), body, /signature mismatch/],
    ['no body', metaSignature(secret, body), undefined, /must be JSON/],
  ])('%s', (_, header, raw, failure) => {
    const sut = verifyMetaSignature(secret, raw, header);
    if (failure === null) expect(sut).toEqual({ ok: true });
    else expect(sut).toEqual({ ok: false, reason: expect.stringMatching(failure) });
  });

  it('refuses everything when the inbox has no app secret', () => {
    expect(verifyMetaSignature('', body, metaSignature('', body))).toMatchObject({ ok: false });
  });
});

describe('checkVerification', () => {
  it.each([
    [
      { mode: 'subscribe', token: 'tok-123', challenge: '1158201444' },
      { ok: true, challenge: '1158201444' },
    ],
    [
      { mode: 'subscribe', token: 'tok-124', challenge: '1158201444' },
      { ok: false, reason: 'hub.verify_token does not match this inbox' },
    ],
    [
      { mode: 'subscribe', challenge: '1158201444' },
      { ok: false, reason: 'hub.verify_token does not match this inbox' },
    ],
    [
      { mode: 'unsubscribe', token: 'tok-123', challenge: '1' },
      { ok: false, reason: 'hub.mode must be subscribe' },
    ],
    [
      { mode: 'subscribe', token: 'tok-123' },
      { ok: false, reason: 'hub.challenge missing' },
    ],
  ])('%j', (q, expected) => {
    expect(checkVerification(q, 'tok-123')).toEqual(expected);
  });
});
