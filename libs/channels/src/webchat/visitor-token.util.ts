import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a visitor token proves: this browser holds this session of this inbox (and, when verified, this identifier). */
export interface VisitorClaims {
  inboxId: string;
  sessionId: string;
  identifier: string | null;
  issuedAt: number;
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

function mac(key: string, body: string): Buffer {
  return createHmac('sha256', key).update(`visitor-token.v1.${body}`).digest();
}

/**
 * Stateless and compact: base64url(JSON claims) + "." + base64url(HMAC). The key never
 * leaves the server, so a visitor can neither mint a session nor move to another one.
 */
export function signVisitorToken(key: string, claims: VisitorClaims): string {
  const body = b64url(JSON.stringify({ i: claims.inboxId, s: claims.sessionId, u: claims.identifier, t: claims.issuedAt }));
  return `${body}.${b64url(mac(key, body))}`;
}

/** Null for anything not signed by us (tampered, truncated, another key): callers start a fresh session. */
export function verifyVisitorToken(key: string, token: unknown): VisitorClaims | null {
  if (typeof token !== 'string' || token.length > 2000) return null;
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return null;
  const expected = mac(key, body);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (typeof c.i !== 'string' || typeof c.s !== 'string' || typeof c.t !== 'number') return null;
    return { inboxId: c.i, sessionId: c.s, identifier: typeof c.u === 'string' ? c.u : null, issuedAt: c.t };
  } catch {
    return null;
  }
}

/**
 * The host site proves a logged-in user's identifier with HMAC-SHA256(inbox secret, identifier),
 * computed on its server: without the secret a visitor cannot claim another customer's identity.
 */
export function identityHash(secret: string, identifier: string): string {
  return createHmac('sha256', secret).update(identifier).digest('hex');
}

export function verifyIdentity(secret: string, identifier: unknown, hash: unknown): boolean {
  if (typeof identifier !== 'string' || typeof hash !== 'string' || !identifier || identifier.length > 256) return false;
  if (!/^[0-9a-f]{64}$/i.test(hash)) return false;
  return timingSafeEqual(Buffer.from(identityHash(secret, identifier), 'hex'), Buffer.from(hash.toLowerCase(), 'hex'));
}

/** A token lives `ttlSeconds` from issue; one from the future (clock skew aside) is not ours to trust. */
export function isVisitorTokenLive(claims: VisitorClaims, ttlSeconds: number, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  return claims.issuedAt <= nowSeconds + 300 && nowSeconds < claims.issuedAt + ttlSeconds;
}

/** Past half its life the server hands the widget a fresh token, so an active visitor never meets expiry. */
export function visitorTokenNeedsRenewal(claims: VisitorClaims, ttlSeconds: number, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  return nowSeconds >= claims.issuedAt + ttlSeconds / 2;
}
