import { identityHash, signVisitorToken, verifyIdentity, verifyVisitorToken } from './visitor-token.util';

describe('visitor tokens', () => {
  const key = 'k'.repeat(64);
  const claims = { inboxId: 'inbox-1', sessionId: 'session-1', identifier: null, issuedAt: 1764460800 };

  it('round-trips the claims it signed', () => {
    expect(verifyVisitorToken(key, signVisitorToken(key, claims))).toEqual(claims);
    expect(verifyVisitorToken(key, signVisitorToken(key, { ...claims, identifier: 'customer-42' }))?.identifier).toBe('customer-42');
  });

  const token = signVisitorToken(key, claims);
  const [body, sig] = token.split('.');
  const otherBody = Buffer.from(JSON.stringify({ i: 'inbox-1', s: 'session-2', u: null, t: 1 })).toString('base64url');
  it.each([
    ['another key', signVisitorToken('x'.repeat(64), claims)],
    ['a swapped session', `${otherBody}.${sig}`],
    ['a truncated signature', `${body}.${sig.slice(0, 10)}`],
    ['no signature', body],
    ['three parts', `${token}.x`],
    ['not a string', 42],
    ['empty', ''],
    ['huge', 'a'.repeat(5000)],
  ])('rejects %s', (_, bad) => {
    expect(verifyVisitorToken(key, bad)).toBeNull();
  });
});

describe('identity verification', () => {
  const secret = 'whmac_secret';
  const good = identityHash(secret, 'customer-42');

  it('accepts the HMAC of the identifier made with the inbox secret, in either case', () => {
    expect(verifyIdentity(secret, 'customer-42', good)).toBe(true);
    expect(verifyIdentity(secret, 'customer-42', good.toUpperCase())).toBe(true);
  });

  it.each([
    ['another identifier', 'customer-43', good],
    ['another secret', 'customer-42', identityHash('other', 'customer-42')],
    ['a non-hex hash', 'customer-42', 'z'.repeat(64)],
    ['a short hash', 'customer-42', good.slice(0, 63)],
    ['a missing hash', 'customer-42', undefined],
    ['an empty identifier', '', identityHash(secret, '')],
    ['a non-string identifier', 42, good],
  ])('refuses %s', (_, identifier, hash) => {
    expect(verifyIdentity(secret, identifier, hash)).toBe(false);
  });
});
