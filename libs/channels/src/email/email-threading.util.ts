import { createHash } from 'node:crypto';

/** `<abc@x>` / ` abc@x ` → `abc@x`; null for empty. Message-IDs are compared without brackets. */
export function normalizeMessageId(id: string | null | undefined): string | null {
  if (!id) return null;
  const trimmed = id.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
  return trimmed.length > 0 && trimmed.length <= 998 && !/\s/.test(trimmed) ? trimmed : null;
}

/** Every Message-ID in a References / In-Reply-To header value (or mailparser's string | string[]). */
export function parseIdList(value: string | string[] | null | undefined): string[] {
  if (!value) return [];
  const raw = Array.isArray(value) ? value.join(' ') : value;
  const bracketed = raw.match(/<[^<>\s]+>/g);
  const parts = bracketed ?? raw.split(/[\s,]+/);
  return parts.map(normalizeMessageId).filter((x): x is string => x !== null);
}

/**
 * Candidates to thread a mail on, most specific first: In-Reply-To, then References
 * from the newest to the root. The caller keeps the first one the inbox has seen.
 */
export function threadCandidates(inReplyTo: string | string[] | null | undefined, references: string | string[] | null | undefined): string[] {
  const out: string[] = [];
  for (const id of [...parseIdList(inReplyTo), ...parseIdList(references).reverse()]) if (!out.includes(id)) out.push(id);
  return out;
}

/** The external id of a mail: its Message-ID, or a hash of the raw bytes when it has none (stable across re-syncs). */
export function externalIdFor(messageId: string | null | undefined, raw: Buffer): string {
  return normalizeMessageId(messageId) ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/** Our own Message-ID for an outbound message: deterministic, so retries reuse it and replies find the message. */
export function ownMessageId(messageId: string, address: string): string {
  const domain = address.split('@')[1]?.toLowerCase() || 'localhost';
  return `${messageId}.inbox@${domain}`;
}

const OWN_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.inbox@/i;

/** The message uuid inside one of our own Message-IDs, or null. */
export function parseOwnMessageId(id: string): string | null {
  return OWN_ID.exec(id)?.[1]?.toLowerCase() ?? null;
}

/** "Re: " once, whatever the customer's client did to the subject (Re:, RE:, Aw:, Re[2]:, Fwd stays). */
export function replySubject(subject: string | null | undefined): string {
  const base = (subject ?? '').trim();
  if (!base) return 'Re: your message';
  const stripped = base.replace(/^((re|aw|sv|antw|vs|wg)(\[\d+\])?\s*:\s*)+/i, '');
  return `Re: ${stripped || base}`;
}

/** References for our reply: the thread's references, then the message we answer (RFC 5322 §3.6.4), capped. */
export function replyReferences(parentReferences: string[], parentId: string | null): string[] {
  const refs = [...parentReferences];
  if (parentId && !refs.includes(parentId)) refs.push(parentId);
  // Keep the root and the most recent ids: some servers reject very long headers.
  return refs.length > 20 ? [refs[0], ...refs.slice(-19)] : refs;
}
