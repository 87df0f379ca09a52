/**
 * @mentions in the note composer, as plain functions: notes keep readable `@Name` text and
 * send the ids beside it, so what is mentioned is what the text still names when it is sent.
 */
export interface Teammate {
  id: string;
  name: string;
}

export interface MentionQuery {
  /** What follows the `@` up to the caret. */
  query: string;
  /** Index of the `@`. */
  start: number;
}

const MAX_QUERY = 40;

/** The `@…` being typed before the caret: an `@` at the start or after a space, no line break after it. */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at === -1) return null;
  if (at > 0 && !/\s/.test(before[at - 1])) return null;
  const query = before.slice(at + 1);
  if (query.length > MAX_QUERY || /[\n\r]/.test(query) || /^\s/.test(query)) return null;
  return { query, start: at };
}

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

/**
 * Teammates whose name, or a word of it, starts with the query (accents and case ignored); whole-name
 * matches first. A trailing space counts: after "@Bo Brown " the name is complete and nothing is offered.
 */
export function matchTeammates(all: Teammate[], query: string, limit = 8): Teammate[] {
  const q = fold(query);
  if (!q) return all.slice(0, limit);
  const starts: Teammate[] = [];
  const words: Teammate[] = [];
  for (const u of all) {
    const name = fold(u.name);
    if (name.startsWith(q)) starts.push(u);
    else if (name.split(/\s+/).some((w) => w.startsWith(q))) words.push(u);
  }
  return [...starts, ...words].slice(0, limit);
}

/** Puts `@Name ` in place of the `@query` being typed; returns the text and where the caret goes. */
export function insertMention(text: string, q: MentionQuery, u: Teammate): { text: string; caret: number } {
  const end = q.start + 1 + q.query.length;
  const inserted = `@${u.name} `;
  const rest = text.slice(end).replace(/^ /, '');
  return { text: text.slice(0, q.start) + inserted + rest, caret: q.start + inserted.length };
}

/** The picked teammates the text still names (an edit that removed `@Name` removes the mention). */
export function mentionsInText(text: string, picked: Teammate[]): Teammate[] {
  const seen = new Set<string>();
  return picked.filter((u) => {
    if (seen.has(u.id) || !text.includes(`@${u.name}`)) return false;
    seen.add(u.id);
    return true;
  });
}

export type MentionPart = string | { mention: Teammate };

/** Splits a note into text and the `@Name`s of the people it mentions (longest names first, so "Ana Maria" beats "Ana"). */
export function splitMentions(text: string, mentions: Teammate[]): MentionPart[] {
  const names = [...new Map(mentions.map((m) => [m.name, m])).values()].sort((a, b) => b.name.length - a.name.length);
  if (!names.length) return [text];
  const parts: MentionPart[] = [];
  let i = 0;
  let plain = '';
  while (i < text.length) {
    const hit = text[i] === '@' ? names.find((m) => text.startsWith(`@${m.name}`, i)) : undefined;
    if (hit) {
      if (plain) parts.push(plain);
      plain = '';
      parts.push({ mention: hit });
      i += hit.name.length + 1;
    } else {
      plain += text[i];
      i += 1;
    }
  }
  if (plain) parts.push(plain);
  return parts;
}

/** A note's `metadata.mentions` as the server wrote it (anything else is ignored). */
export function noteMentions(metadata: Record<string, unknown> | null | undefined): Teammate[] {
  const raw = metadata?.mentions;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((m) => (m && typeof m.userId === 'string' && typeof m.name === 'string' ? [{ id: m.userId as string, name: m.name as string }] : []));
}
