import { useEffect, useMemo, useRef, type ReactNode } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useTranslation } from 'react-i18next';
import { get, qs } from '../api/client';
import type { ConversationSummary } from '../api/types';
import { useLive } from '../live/live';
import { useStoreSelect } from '../live/conversation-store';
import {
  hasStatus,
  inTab,
  listQuery,
  previewFromMessage,
  selectFiltered,
  STATUS_FILTERS,
  TABS,
  type ListFilters,
  type SortOrder,
  type StatusFilter,
  type Tab,
  type Viewer,
} from '../lib/conversation-filters';
import { useFormat } from '../i18n/format';
import { useDirectory } from '../session/session';
import { SlaBadge } from '../sla/sla-widgets';
import { ListFiltersBar } from './list-filters';
import './list.css';
import { ChatBubble } from './chat-bubble';
import { MentionsList, MentionsTabButton } from './mentions-list';
import { useConversationContactLabel } from './contact-label';

/** One glyph per channel kind, named for screen readers by the channel's translated name. */
const CHANNEL_ICON: Record<ConversationSummary['channel'], ReactNode> = {
  api: '⚙',
  email: '✉',
  webchat: <ChatBubble />,
  slack: '#',
  whatsapp: '✆',
  messenger: 'ⓜ',
  instagram: '◎',
  telegram: '✈',
  x: '𝕏',
  phone: '☎',
};

interface Props {
  tab: Tab;
  status: StatusFilter;
  filters: ListFilters;
  sort: SortOrder;
  /** The page's URL parameters (a saved view stores the list's part of them). */
  params: URLSearchParams;
  viewer: Viewer;
  selectedId: string | null;
  onTab(tab: Tab): void;
  onStatus(status: StatusFilter): void;
  onFilters(f: ListFilters): void;
  onSort(s: SortOrder): void;
  onView(query: string): void;
  onSelect(id: string): void;
  /** The ids on screen, in order, for j/k navigation. */
  onVisibleIds?(ids: string[]): void;
}

const ROW_HEIGHT = 76;

export function ConversationList({ tab, status, filters, sort, params: urlParams, viewer, selectedId, onTab, onStatus, onFilters, onSort, onView, onSelect, onVisibleIds }: Props) {
  const { t } = useTranslation();
  const contactLabel = useConversationContactLabel();
  const { store } = useLive();
  const fmt = useFormat();
  const { byId } = useDirectory();
  const live = useLive();
  // `?tab=mentions`: notes that name me take the list's place (the conversation tabs stay as they were).
  const mentionsTab = urlParams.get('tab') === 'mentions';
  const params = listQuery(tab, status, viewer, filters, sort);

  const pages = useInfiniteQuery({
    queryKey: ['conversations', params],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) => {
      const page = await get<{ items: ConversationSummary[]; nextCursor: string | null }>(`/conversations${qs({ ...params, limit: 100, cursor: pageParam })}`);
      store.upsert(page.items);
      return page;
    },
    getNextPageParam: (last) => last.nextCursor,
  });

  const filterKey = JSON.stringify(filters);
  const items = useStoreSelect(store, (s) => selectFiltered(s.all(), tab, status, viewer, filters, sort), [tab, status, viewer.id, viewer.teamIds.join(), filterKey, sort]);
  const labels = useStoreSelect(store, (s) => {
    const seen = new Set<string>();
    for (const c of s.all()) for (const l of c.labels) seen.add(l);
    return [...seen].sort();
  });
  // A tab's badge counts conversations with unread customer messages, not the messages.
  const counts = useStoreSelect(
    store,
    (s) => {
      const unread: Record<Tab, number> = { mine: 0, unassigned: 0, team: 0, all: 0 };
      // Counting needs no sort: one pass over the store, whatever its size.
      for (const c of s.all()) {
        if (s.unreadOf(c.id) && hasStatus(c, 'open')) for (const tb of TABS) if (inTab(c, tb, viewer)) unread[tb] += 1;
      }
      return unread;
    },
    [viewer.id, viewer.teamIds.join()],
  );
  // The row's preview follows live messages (a reply from another tab, a customer's answer).
  useEffect(
    () =>
      live.onEvent((e) => {
        if (e.type !== 'message') return;
        const c = store.get(e.data.conversationId);
        const preview = c && previewFromMessage(c, e.data);
        if (preview) store.patch(c.id, { lastMessage: preview });
      }),
    [live, store],
  );
  const unreadOf = useStoreSelect(store, (s) => (id: string) => s.unreadOf(id));

  useEffect(() => {
    onVisibleIds?.(items.map((c) => c.id));
  }, [items, onVisibleIds]);

  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: items.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW_HEIGHT, overscan: 8 });
  const virtualItems = virtualizer.getVirtualItems();
  const lastIndex = virtualItems[virtualItems.length - 1]?.index ?? -1;
  useEffect(() => {
    if (lastIndex >= items.length - 10 && pages.hasNextPage && !pages.isFetchingNextPage) void pages.fetchNextPage();
  }, [lastIndex, items.length, pages]);

  const senderOf = (c: ConversationSummary): string => {
    const m = c.lastMessage!;
    const who =
      m.authorType === 'contact'
        ? (c.contactName ?? t('listView.sender.contact'))
        : m.authorType === 'user'
          ? m.authorId === viewer.id
            ? t('listView.sender.you')
            : (byId.get(m.authorId ?? '')?.name ?? t('listView.sender.user'))
          : t(`listView.sender.${m.authorType}`);
    return t('listView.senderLabel', { who });
  };

  const statusLabel = useMemo(() => (s: StatusFilter) => (s === 'all' ? t('status.all') : t(`status.${s}`)), [t]);

  return (
    <section className={`list-pane ${mentionsTab ? 'showing-mentions' : ''}`} aria-label={t('nav.inbox')}>
      <div className="tabs" role="tablist">
        {TABS.map((tb) => (
          <button
            key={tb}
            role="tab"
            aria-selected={tab === tb && !mentionsTab}
            className={tab === tb && !mentionsTab ? 'active' : ''}
            data-testid={`tab-${tb}`}
            onClick={() => onTab(tb)}
          >
            {t(`tabs.${tb}`)}
            {counts[tb] > 0 && (
              <span className="badge" aria-label={t('listView.unreadConversations', { n: counts[tb] })}>
                {fmt.number(counts[tb])}
              </span>
            )}
          </button>
        ))}
        <MentionsTabButton active={mentionsTab} />
      </div>
      {mentionsTab && <MentionsList selectedId={selectedId} onSelect={onSelect} />}
      <div className="list-toolbar">
        <select aria-label={t('status.label')} data-testid="status-filter" value={status} onChange={(e) => onStatus(e.target.value as StatusFilter)}>
          {STATUS_FILTERS.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
        <span className="muted small">{t('list.count', { n: fmt.number(items.length) })}</span>
      </div>
      <ListFiltersBar filters={filters} sort={sort} labels={labels} params={urlParams} onFilters={onFilters} onSort={onSort} onView={onView} />
      <div ref={parentRef} className="list-scroll" data-testid="conversation-list">
        {pages.isLoading && items.length === 0 && <p className="muted pad">{t('list.loading')}</p>}
        {!pages.isLoading && items.length === 0 && <p className="muted pad">{t('list.empty')}</p>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualItems.map((row) => {
            const c = items[row.index];
            const unread = unreadOf(c.id);
            return (
              <button
                key={c.id}
                data-testid="conversation-row"
                data-conversation-id={c.id}
                className={`row ${c.id === selectedId ? 'selected' : ''} ${unread ? 'unread' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, width: '100%', height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
                onClick={() => onSelect(c.id)}
              >
                <span className="row-top">
                  <span className={`chan-icon chan-${c.channel}`} role="img" aria-label={t(`channel.${c.channel}`)} title={t(`channel.${c.channel}`)}>
                    {CHANNEL_ICON[c.channel] ?? '•'}
                  </span>
                  <strong className="ellipsis">{contactLabel(c)}</strong>
                  <span className="muted small nowrap">{fmt.relative(c.lastMessage?.createdAt ?? c.lastMessageAt)}</span>
                </span>
                <span className="row-bottom">
                  <span className="ellipsis muted" data-testid="row-preview">
                    {c.subject && <span className="row-subject">{c.subject} · </span>}
                    {c.lastMessage ? (
                      <>
                        <span className="row-sender">{senderOf(c)}</span> {c.lastMessage.text || '…'}
                      </>
                    ) : (
                      !c.subject && t('listView.noMessages')
                    )}
                  </span>
                  {c.priority >= 2 && <span className={`prio prio-${c.priority}`}>{t(`priority.p${c.priority}` as 'priority.p2')}</span>}
                  {c.status !== 'open' && <span className="pill">{t(`status.${c.status}`)}</span>}
                  <SlaBadge c={c} />
                  {unread > 0 && (
                    <span className="badge" aria-label={t('list.unread', { n: unread })}>
                      {fmt.number(unread)}
                    </span>
                  )}
                </span>
              </button>
            );
          })}
        </div>
        {pages.isFetchingNextPage && <p className="muted pad small">{t('list.loadingMore')}</p>}
      </div>
    </section>
  );
}
