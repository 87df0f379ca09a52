import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { useMe, useMyTeamIds } from '../session/session';
import { filtersFromParams, filtersToParams, STATUS_FILTERS, TABS, type StatusFilter, type Tab } from '../lib/conversation-filters';
import { ConversationList } from './conversation-list';
import { ConversationView, type ConversationViewHandle } from './conversation-view';
import { useConversationPatch } from './conversation-actions';
import { NewConversation } from '../bots/new-conversation';
import { useReadMentionsOnOpen } from './mentions-list';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

function Shortcuts({ id, ids, onGo, onReply }: { id: string | null; ids: string[]; onGo(id: string): void; onReply(): void }) {
  const mutation = useConversationPatch(id ?? '');
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      const at = id ? ids.indexOf(id) : -1;
      if (e.key === 'j' && ids.length) onGo(ids[Math.min(ids.length - 1, at + 1)]);
      else if (e.key === 'k' && ids.length) onGo(ids[Math.max(0, at - 1)]);
      else if (!id) return;
      else if (e.key === 'e') mutation.mutate({ status: 'resolved' });
      else if (e.key === 'p') mutation.mutate({ status: 'pending' });
      else if (e.key === 'r') {
        e.preventDefault();
        onReply();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [id, ids, onGo, onReply, mutation]);
  return null;
}

export function InboxPage() {
  const { t } = useTranslation();
  const me = useMe();
  const teamIds = useMyTeamIds();
  const { conversationId } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const tab = (TABS as string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as Tab) : 'mine';
  const status = (STATUS_FILTERS as string[]).includes(params.get('status') ?? '') ? (params.get('status') as StatusFilter) : 'open';
  const { filters, sort } = useMemo(() => filtersFromParams(params), [params]);
  const viewer = useMemo(() => ({ id: me.id, teamIds }), [me.id, teamIds]);
  const [ids, setIds] = useState<string[]>([]);
  const viewRef = useRef<ConversationViewHandle>(null);
  useReadMentionsOnOpen(conversationId ?? null);

  const search = params.toString() ? `?${params.toString()}` : '';
  const go = useCallback((id: string) => navigate(`/inbox/${id}${search}`), [navigate, search]);
  const update = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    next.set(k, v);
    setParams(next);
  };

  return (
    <div className={`inbox ${conversationId ? 'has-selection' : ''}`}>
      <ConversationList
        tab={tab}
        status={status}
        filters={filters}
        sort={sort}
        params={params}
        viewer={viewer}
        selectedId={conversationId ?? null}
        onTab={(v) => update('tab', v)}
        onStatus={(v) => update('status', v)}
        onFilters={(f) => setParams(filtersToParams(params, f, sort))}
        onSort={(v) => setParams(filtersToParams(params, filters, v))}
        onView={(query) => setParams(new URLSearchParams(query))}
        onSelect={go}
        onVisibleIds={setIds}
      />
      {conversationId ? (
        <ConversationView key={conversationId} id={conversationId} ref={viewRef} />
      ) : (
        <section className="conversation empty-state">
          <p>{t('conversation.selectOne')}</p>
          <NewConversation onStarted={go} />
          <p className="muted small">{t('actions.shortcuts')}</p>
        </section>
      )}
      <Shortcuts id={conversationId ?? null} ids={ids} onGo={go} onReply={() => viewRef.current?.focusComposer()} />
    </div>
  );
}
