import { useEffect } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { get, post } from '../api/client';
import type { MentionSummary } from '@inbox/realtime-contract';
import { useFormat } from '../i18n/format';
import './mentions.css';

export interface MentionsPage {
  items: MentionSummary[];
  unread: number;
  nextCursor: string | null;
}

export const MENTIONS_KEY = ['mentions'] as const;

/** The signed-in user's latest mentions and their unread count; live events refetch it (see live.tsx). */
export function useMentions() {
  return useQuery({ queryKey: MENTIONS_KEY, queryFn: () => get<MentionsPage>('/mentions?limit=100'), staleTime: 30_000 });
}

function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (by: { ids?: string[]; conversationId?: string }) => post<{ read: string[] }>('/mentions/read', by),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: MENTIONS_KEY }),
  });
}

/** Opening a conversation reads the mentions in it. */
export function useReadMentionsOnOpen(conversationId: string | null) {
  const mentions = useMentions();
  const markRead = useMarkRead();
  const unreadHere = Boolean(conversationId && mentions.data?.items.some((m) => m.conversationId === conversationId && !m.readAt));
  const { mutate } = markRead;
  useEffect(() => {
    if (conversationId && unreadHere) mutate({ conversationId });
  }, [conversationId, unreadHere, mutate]);
}

/** The Mentions tab: notes that name me, newest first, unread ones marked; a click opens the conversation. */
export function MentionsList({ selectedId, onSelect }: { selectedId: string | null; onSelect(conversationId: string): void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const mentions = useMentions();
  const markRead = useMarkRead();
  const items = mentions.data?.items ?? [];
  const unreadIds = items.filter((m) => !m.readAt).map((m) => m.id);
  return (
    <div className="list-scroll mentions-list" data-testid="mentions-list" aria-label={t('mentions.title')}>
      <div className="list-toolbar">
        <span className="muted small">{t('mentions.unread', { n: fmt.number(mentions.data?.unread ?? 0) })}</span>
        {unreadIds.length > 0 && (
          <button className="link small" onClick={() => markRead.mutate({ ids: unreadIds })}>
            {t('mentions.markAllRead')}
          </button>
        )}
      </div>
      {mentions.isLoading && <p className="muted pad">{t('list.loading')}</p>}
      {mentions.isSuccess && items.length === 0 && <p className="muted pad">{t('mentions.empty')}</p>}
      {items.map((m) => (
        <button
          key={m.id}
          data-testid="mention-row"
          data-conversation-id={m.conversationId}
          className={`row ${m.conversationId === selectedId ? 'selected' : ''} ${m.readAt ? '' : 'unread'}`}
          onClick={() => onSelect(m.conversationId)}
        >
          <span className="row-top">
            <strong className="ellipsis">
              {t('mentions.byIn', { author: m.authorName ?? t('conversation.someone'), contact: m.conversation.contactName ?? t('list.unknownContact') })}
            </strong>
            <span className="muted small nowrap">{fmt.relative(m.createdAt)}</span>
          </span>
          <span className="row-bottom">
            <span className="ellipsis muted">{m.excerpt}</span>
            {!m.readAt && (
              <span className="badge" aria-hidden>
                @
              </span>
            )}
          </span>
        </button>
      ))}
    </div>
  );
}

/** The Mentions tab in the list's tab row, with the count of unread mentions; it keeps the list's other URL parameters. */
export function MentionsTabButton({ active }: { active: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [params, setParams] = useSearchParams();
  const unread = useMentions().data?.unread ?? 0;
  const open = () => {
    const next = new URLSearchParams(params);
    next.set('tab', 'mentions');
    setParams(next);
  };
  return (
    // "@" keeps the tab row on one line beside the four conversation tabs in every language; the name is its label.
    <button role="tab" aria-selected={active} className={`mentions-tab ${active ? 'active' : ''}`} title={t('mentions.tab')} data-testid="tab-mentions" onClick={open}>
      <span aria-hidden>@</span>
      <span className="sr-only">{t('mentions.tab')}</span>
      {unread > 0 && (
        <span className="badge" data-testid="mentions-badge" aria-label={t('mentions.unread', { n: fmt.number(unread) })}>
          {fmt.number(unread)}
        </span>
      )}
    </button>
  );
}
