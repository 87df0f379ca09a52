import { createHmac, timingSafeEqual } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function mac(key: string, surveyId: string): string {
  return createHmac('sha256', key).update(`csat-survey:${surveyId.toLowerCase()}`).digest('base64url').slice(0, 32);
}

/**
 * The rating link's token: the survey id and an HMAC of it. Nothing secret is stored: the server
 * recomputes the MAC, so a guessed or edited id is refused without touching the database.
 */
export function signSurveyToken(key: string, surveyId: string): string {
  return `${surveyId.toLowerCase()}.${mac(key, surveyId)}`;
}

/** The survey id when the token is one we signed, else null (constant-time comparison). */
export function verifySurveyToken(key: string, token: unknown): string | null {
  if (typeof token !== 'string' || token.length > 100) return null;
  const dot = token.indexOf('.');
  if (dot < 0) return null;
  const id = token.slice(0, dot);
  const sig = Buffer.from(token.slice(dot + 1));
  if (!UUID.test(id)) return null;
  const expected = Buffer.from(mac(key, id));
  return sig.length === expected.length && timingSafeEqual(sig, expected) ? id.toLowerCase() : null;
}
