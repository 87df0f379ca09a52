/**
 * What a search box's text means, before any SQL: words (matched in any order, as prefixes,
 * stemmed in every language), "quoted phrases" (in order), email addresses, and the exact
 * identifiers an agent pastes (conversation/message/contact ids, phone numbers, channel ids).
 */
export interface ParsedSearch {
  words: string[];
  phrases: string[];
  emails: string[];
  uuids: string[];
  /** Digits of the query when it reads as a phone number (6 to 15 digits, separators allowed). */
  phoneDigits: string | null;
  /** The whole query when it is one token: compared with external ids and identity addresses. */
  token: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@"]+@[^\s@"]+\.[^\s@"]+$/;
const PHONE = /^\+?[\d\s().-]+$/;
/** Letters and digits of any script; everything else separates words (and cannot reach tsquery syntax). */
const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const MAX_TERMS = 12;

export function parseSearchQuery(input: string): ParsedSearch {
  const q = input.normalize('NFC').trim();
  const phrases: string[] = [];
  const rest = q.replace(/"([^"]*)"?/g, (_, inner: string) => {
    const words = inner.match(WORD) ?? [];
    if (words.length > 1) phrases.push(words.join(' ').toLowerCase());
    else if (words.length === 1) return ` ${words[0]} `;
    return ' ';
  });
  const words: string[] = [];
  const emails: string[] = [];
  const uuids: string[] = [];
  for (const raw of rest.split(/\s+/).filter(Boolean)) {
    const token = raw.replace(/^[<(,;]+|[>),;.!?]+$/g, '');
    if (UUID.test(token)) uuids.push(token.toLowerCase());
    else if (EMAIL.test(token)) emails.push(token.toLowerCase());
    else for (const w of token.match(WORD) ?? []) words.push(w.toLowerCase());
  }
  const digits = q.replace(/\D/g, '');
  const phoneDigits = PHONE.test(q) && digits.length >= 6 && digits.length <= 15 ? digits : null;
  // One-letter words match half the index as prefixes; keep them only when nothing else is typed.
  const meaningful = words.filter((w) => w.length > 1 || /\p{N}/u.test(w));
  return {
    words: unique(meaningful.length || phrases.length || emails.length ? meaningful : words).slice(0, MAX_TERMS),
    phrases: unique(phrases).slice(0, MAX_TERMS),
    emails: unique(emails).slice(0, MAX_TERMS),
    uuids: unique(uuids).slice(0, MAX_TERMS),
    phoneDigits,
    token: /^\S{1,200}$/.test(q) ? q : null,
  };
}

export function isEmptySearch(p: ParsedSearch): boolean {
  return !p.words.length && !p.phrases.length && !p.emails.length && !p.uuids.length && !p.phoneDigits && !p.token;
}

const unique = (xs: string[]) => [...new Set(xs)];

/** ts_headline marks matches with these; no message text can contain them once they are stripped. */
export const HIT_START = '\u0002';
export const HIT_END = '\u0003';

export interface SnippetPart {
  text: string;
  hit: boolean;
}

/** Splits a ts_headline result into plain parts: clients render text, never our HTML. */
export function toSnippet(headline: string | null): SnippetPart[] {
  if (!headline) return [];
  const parts: SnippetPart[] = [];
  let hit = false;
  let buf = '';
  const flush = () => {
    if (buf) parts.push({ text: buf, hit });
    buf = '';
  };
  for (const ch of headline) {
    if (ch === HIT_START || ch === HIT_END) {
      flush();
      hit = ch === HIT_START;
    } else buf += ch;
  }
  flush();
  return parts;
}
