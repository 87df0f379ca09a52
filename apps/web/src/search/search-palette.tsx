import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { get, qs } from '../api/client';
import { isStaff, useMe } from '../session/session';
import { Snippet } from './snippet';
import type { SearchResponse, SearchType } from './search-types';

interface Row {
  key: string;
  group: Exclude<SearchType, 'all'>;
  title: string;
  detail?: React.ReactNode;
  go(): void;
}

/** Waits for the conversation's timeline to show the message, then scrolls to it and marks it. */
export function revealMessage(messageId: string, timeoutMs = 8000): void {
  const until = Date.now() + timeoutMs;
  const tick = () => {
    const el = document.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (el) {
      el.scrollIntoView({ block: 'center' });
      el.classList.add('search-target');
      setTimeout(() => el.classList.remove('search-target'), 3000);
      return;
    }
    if (Date.now() < until) setTimeout(tick, 100);
  };
  tick();
}

/** Ctrl/Cmd+K: results as you type, grouped, keyboard-driven; Enter opens the conversation at the message. */
export function SearchPalette() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const [debounced, setDebounced] = useState('');
  const [type, setType] = useState<SearchType>('all');
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    if (open) setTimeout(() => inputRef.current?.focus(), 0);
  }, [open]);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(q.trim()), 180);
    return () => clearTimeout(timer);
  }, [q]);

  const results = useQuery({
    queryKey: ['search', debounced, type],
    queryFn: () => get<SearchResponse>(`/search${qs({ q: debounced, type, limit: type === 'all' ? 5 : 20 })}`),
    enabled: open && /[\p{L}\p{N}]/u.test(debounced),
    placeholderData: (prev) => prev,
    staleTime: 5_000,
  });

  const close = () => {
    setOpen(false);
    setActive(0);
  };

  const rows = useMemo<Row[]>(() => {
    const d = results.data;
    if (!d) return [];
    const out: Row[] = [];
    for (const c of d.conversations?.items ?? [])
      out.push({
        key: `c-${c.id}`,
        group: 'conversations',
        title: c.subject || c.contactName || t('find.noSubject'),
        detail: c.contactName ?? undefined,
        go: () => navigate(`/inbox/${c.id}`),
      });
    for (const m of d.messages?.items ?? [])
      out.push({
        key: `m-${m.id}`,
        group: 'messages',
        title: `${m.conversation.contactName ?? ''}${m.conversation.subject ? ` · ${m.conversation.subject}` : ''}${m.kind === 'note' ? ` · ${t('find.note')}` : ''}`,
        detail: <Snippet parts={m.snippet} />,
        go: () => {
          navigate(`/inbox/${m.conversationId}`);
          revealMessage(m.id);
        },
      });
    for (const c of d.contacts?.items ?? [])
      out.push({
        key: `p-${c.id}`,
        group: 'contacts',
        title: c.name || c.email || c.phone || c.id,
        detail: [c.email, c.phone].filter(Boolean).join(' · '),
        go: () => navigate(`/inbox?contactId=${c.id}`),
      });
    for (const a of d.articles?.items ?? [])
      out.push({
        key: `a-${a.id}`,
        group: 'articles',
        title: `${a.title} (${a.locale})`,
        detail: a.snippet ? <Snippet parts={a.snippet} /> : a.excerpt,
        go: () => (isStaff(me) ? navigate(`/kb/${a.id}`) : window.open(`/help/${a.locale}/${a.slug}`, '_blank')),
      });
    return out;
  }, [results.data, navigate, t, me]);

  useEffect(() => setActive(0), [results.data]);

  if (!open)
    return (
      <button className="ghost search-open" onClick={() => setOpen(true)} data-testid="search-open" title={t('find.shortcut')}>
        🔍 {t('find.open')} <kbd>{t('find.shortcut')}</kbd>
      </button>
    );

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') return close();
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (rows.length) setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : rows.length - 1)) % rows.length);
    }
    if (e.key === 'Enter' && rows[active]) {
      e.preventDefault();
      rows[active].go();
      close();
    }
  };

  let lastGroup = '';
  return (
    <div className="search-overlay" role="dialog" aria-label={t('find.label')} onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div className="search-palette" onKeyDown={onKeyDown}>
        <div className="search-bar">
          <input
            ref={inputRef}
            type="search"
            data-testid="search-input"
            aria-label={t('find.label')}
            placeholder={t('find.placeholder')}
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
          <select aria-label={t('find.type')} value={type} onChange={(e) => setType(e.target.value as SearchType)} data-testid="search-type">
            {(['all', 'conversations', 'messages', 'contacts', 'articles'] as const).map((x) => (
              <option key={x} value={x}>
                {t(`find.${x}`)}
              </option>
            ))}
          </select>
        </div>
        {!debounced && <p className="muted small">{t('find.hint')}</p>}
        {results.isFetching && !results.data && <p className="muted small">{t('find.searching')}</p>}
        {results.error && <p className="error small">{t('common.error', { message: (results.error as Error).message })}</p>}
        {debounced && results.data && rows.length === 0 && <p className="muted">{t('find.empty', { q: debounced })}</p>}
        <ul className="search-results" role="listbox" data-testid="search-results">
          {rows.map((r, i) => {
            const header =
              r.group !== lastGroup ? (
                <li className="search-group" role="presentation">
                  {t(`find.${r.group}`)}
                </li>
              ) : null;
            lastGroup = r.group;
            return [
              header,
              <li
                key={r.key}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : ''}
                data-testid={`search-hit-${r.group}`}
                onMouseEnter={() => setActive(i)}
                onMouseDown={(e) => {
                  e.preventDefault();
                  r.go();
                  close();
                }}
              >
                <strong>{r.title}</strong>
                {r.detail && <div className="small">{r.detail}</div>}
              </li>,
            ];
          })}
        </ul>
      </div>
    </div>
  );
}
