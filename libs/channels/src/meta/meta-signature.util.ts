import { createHmac, timingSafeEqual } from 'node:crypto';

export type MetaSignatureCheck = { ok: true } | { ok: false; reason: string };

/** `sha256=` + hex HMAC-SHA256 of the exact body bytes, keyed with the Meta app secret. */
export function metaSignature(appSecret: string, rawBody: Buffer | string): string {
  return 'sha256=' + createHmac('sha256', appSecret).update(rawBody).digest('hex');
}

/**
 * Meta's `X-Hub-Signature-256`. Meta signs no timestamp, so a captured body can be replayed:
 * the caller's dedupe on the body hash makes a replay a no-op instead.
 */
export function verifyMetaSignature(appSecret: string, rawBody: Buffer | undefined, header: string | undefined): MetaSignatureCheck {
  if (!appSecret) return { ok: false, reason: 'the inbox has no app secret' };
  if (!header) return { ok: false, reason: 'X-Hub-Signature-256 header missing' };
  if (!header.startsWith('sha256=')) return { ok: false, reason: 'X-Hub-Signature-256 must start with sha256=' };
  if (!rawBody) return { ok: false, reason: 'the body must be JSON (application/json), as Meta sends it' };
  const expected = Buffer.from(metaSignature(appSecret, rawBody));
  const given = Buffer.from(header.trim().toLowerCase());
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}

/** Meta's subscription handshake: `hub.mode=subscribe`, our verify token, and the challenge to echo back. */
export function checkVerification(q: { mode?: string; token?: string; challenge?: string }, verifyToken: string): { ok: true; challenge: string } | { ok: false; reason: string } {
  if (q.mode !== 'subscribe') return { ok: false, reason: 'hub.mode must be subscribe' };
  if (!q.challenge) return { ok: false, reason: 'hub.challenge missing' };
  const given = Buffer.from(q.token ?? '');
  const expected = Buffer.from(verifyToken);
  if (!verifyToken || given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'hub.verify_token does not match this inbox' };
  return { ok: true, challenge: q.challenge };
}
