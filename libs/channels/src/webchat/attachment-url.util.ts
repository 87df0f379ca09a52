import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a widget attachment link works: long enough to open it, short enough that a leaked one dies soon. */
export const ATTACHMENT_URL_TTL_SECONDS = 3600;

function sig(key: string, websiteToken: string, attachmentId: string, exp: number): Buffer {
  return createHmac('sha256', key).update(`widget-attachment.v1.${websiteToken}.${attachmentId}.${exp}`).digest();
}

/**
 * A download link for a visitor's attachment: expiry and an HMAC over (inbox website token,
 * attachment, expiry) in the query. It proves the server issued it for this file; no visitor
 * token travels in a URL (which ends up in logs, history and Referer headers).
 */
export function signAttachmentPath(key: string, websiteToken: string, attachmentId: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  // Rounded up to the next 5 minutes: the same message renders the same URL for a while (browser cache).
  const exp = Math.ceil((nowSeconds + ATTACHMENT_URL_TTL_SECONDS) / 300) * 300;
  return `/api/v1/widget/${websiteToken}/attachments/${attachmentId}?exp=${exp}&sig=${sig(key, websiteToken, attachmentId, exp).toString('base64url')}`;
}

export type AttachmentUrlCheck = 'ok' | 'expired' | 'invalid';

export function checkAttachmentSignature(
  key: string,
  websiteToken: string,
  attachmentId: string,
  exp: unknown,
  signature: unknown,
  nowSeconds = Math.floor(Date.now() / 1000),
): AttachmentUrlCheck {
  if (typeof exp !== 'string' || !/^\d{1,12}$/.test(exp) || typeof signature !== 'string' || signature.length > 100) return 'invalid';
  const expected = sig(key, websiteToken, attachmentId, Number(exp));
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return Number(exp) > nowSeconds ? 'ok' : 'expired';
}
