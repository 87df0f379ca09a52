import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses to sign anything older than this; we refuse to accept it (replay window). */
export const SLACK_SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export interface SignedRequest {
  signingSecret: string;
  /** The exact bytes Slack sent: re-serialised JSON would not match. */
  rawBody: Buffer | string;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  nowSeconds: number;
  toleranceSeconds?: number;
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`, keyed with the app's signing secret. */
export function slackSignature(signingSecret: string, timestamp: string | number, rawBody: Buffer | string): string {
  return 'v0=' + createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex');
}

/**
 * Slack's v0 request signature. Unlike Bolt's verifier this also refuses timestamps
 * from the future (a clock-skew replay) and says why, for the 401 body and the log.
 */
export function verifySlackSignature(req: SignedRequest): SignatureCheck {
  const tolerance = req.toleranceSeconds ?? SLACK_SIGNATURE_TOLERANCE_SECONDS;
  if (!req.signingSecret) return { ok: false, reason: 'the inbox has no signing secret' };
  if (!req.timestampHeader) return { ok: false, reason: 'X-Slack-Request-Timestamp header missing' };
  if (!req.signatureHeader) return { ok: false, reason: 'X-Slack-Signature header missing' };
  if (!/^\d{1,12}$/.test(req.timestampHeader)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a unix time' };
  const age = req.nowSeconds - Number(req.timestampHeader);
  if (Math.abs(age) > tolerance) return { ok: false, reason: `request timestamp is ${age > 0 ? 'stale' : 'in the future'} (${Math.abs(age)} s off, ${tolerance} s allowed)` };
  if (!req.signatureHeader.startsWith('v0=')) return { ok: false, reason: 'unknown signature version (expected v0=)' };
  const expected = Buffer.from(slackSignature(req.signingSecret, req.timestampHeader, req.rawBody));
  const given = Buffer.from(req.signatureHeader);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}
