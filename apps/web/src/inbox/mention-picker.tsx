import { useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client';
import { insertMention, matchTeammates, mentionQuery, mentionsInText, type Teammate } from '../lib/mentions';
import './mentions.css';

export const mentionableKey = (conversationId: string) => ['mentionable', conversationId] as const;

/**
 * The note composer's `@` list: the teammates the server says a note in this conversation can
 * name (GET /conversations/:id/mentionable), filtered as one types, picked with the arrows and
 * Enter or Tab, closed with Escape. The text keeps `@Name`; the ids go with the note.
 */
export function useMentionPicker(opts: { conversationId: string; enabled: boolean; text: string; setText(t: string): void; textRef: RefObject<HTMLTextAreaElement | null> }) {
  const { t } = useTranslation();
  const { conversationId, enabled, text, setText, textRef } = opts;
  const [caret, setCaret] = useState<number | null>(null);
  const [index, setIndex] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const [picked, setPicked] = useState<Teammate[]>([]);
  // Where the caret goes once the picked name is in the textarea. Set in the commit that renders
  // the new text, before the next key reaches the browser: an animation frame later, a key typed
  // meanwhile had landed after the name and the caret jumped back in front of it.
  const caretAfterPick = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = textRef.current;
    const at = caretAfterPick.current;
    if (!el || at === null || el.value !== text) return;
    caretAfterPick.current = null;
    el.focus();
    el.setSelectionRange(at, at);
  }, [text, textRef]);
  const teammates = useQuery({
    queryKey: mentionableKey(conversationId),
    queryFn: () => get<Teammate[]>(`/conversations/${conversationId}/mentionable`),
    enabled,
    staleTime: 60_000,
    retry: false,
  });

  const q = enabled && caret !== null ? mentionQuery(text, caret) : null;
  const open = q !== null && dismissedAt !== q.start;
  const suggestions = open ? matchTeammates(teammates.data ?? [], q.query) : [];
  const active = Math.min(index, Math.max(0, suggestions.length - 1));

  const choose = useCallback(
    (u: Teammate) => {
      if (!q) return;
      const next = insertMention(text, q, u);
      setText(next.text);
      setPicked((cur) => (cur.some((x) => x.id === u.id) ? cur : [...cur, u]));
      setCaret(next.caret);
      setIndex(0);
      caretAfterPick.current = next.caret;
    },
    [q, text, setText],
  );

  /** True when the key belonged to the list (the composer then does nothing else with it). */
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!suggestions.length) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setIndex((i) => (Math.min(i, suggestions.length - 1) + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
      return true;
    }
    if ((e.key === 'Enter' && !e.ctrlKey && !e.metaKey) || e.key === 'Tab') {
      e.preventDefault();
      choose(suggestions[active]);
      return true;
    }
    if (e.key === 'Escape') {
      e.preventDefault();
      setDismissedAt(q!.start);
      return true;
    }
    return false;
  };

  const menu: ReactNode =
    suggestions.length > 0 ? (
      <ul className="canned-menu mention-menu" role="listbox" aria-label={t('mentions.pick')} data-testid="mention-menu">
        {suggestions.map((u, i) => (
          <li key={u.id} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseDown={(e) => (e.preventDefault(), choose(u))}>
            <span className="mention-avatar" aria-hidden>
              {u.name.slice(0, 1).toUpperCase()}
            </span>{' '}
            {u.name}
          </li>
        ))}
      </ul>
    ) : open && teammates.isSuccess && q.query.length > 0 && !/\s$/.test(q.query) ? (
      <div className="muted small">{t('mentions.noMatch')}</div>
    ) : null;

  return {
    menu,
    onKeyDown,
    /** Call on every change and caret move. */
    onCaret: (c: number | null) => {
      setCaret(c);
      setIndex(0);
    },
    /** The ids the text still names, for the note's `mentions`. */
    idsIn: (finalText: string) => mentionsInText(finalText, picked).map((u) => u.id),
    reset: () => {
      setPicked([]);
      setCaret(null);
      setDismissedAt(null);
    },
  };
}
