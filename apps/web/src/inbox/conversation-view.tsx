import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError, get, post } from '../api/client';
import type { ConversationSummary, MessageSummary } from '../api/types';
import { mergeAnswer, messagesKey, useLive } from '../live/live';
import { useStoreSelect } from '../live/conversation-store';
import { useDirectory } from '../session/session';
import { Composer, type ComposerHandle, type Draft } from './composer';
import { ConversationActions } from './conversation-actions';
import { EscalatePanel, HandoffBanner, SlaBadge } from '../sla/sla-widgets';
import { Timeline, type PendingSend } from './timeline';
import { ContactSidebar } from './contact-sidebar';
import { useFormat } from '../i18n/format';
import { activityLine } from './activity-line';
import { useActivityContext } from './use-activity-context';
import { CsatRating } from '../qa/csat-rating';
import { useConversationContactLabel } from './contact-label';

export interface ConversationViewHandle {
  focusComposer(): void;
}

export const ConversationView = forwardRef<ConversationViewHandle, { id: string }>(function ConversationView({ id }, ref) {
  const { t } = useTranslation();
  const contactLabel = useConversationContactLabel();
  const live = useLive();
  const queryClient = useQueryClient();
  const { byId } = useDirectory();
  const fmt = useFormat();
  const activityCtx = useActivityContext();
  const navigate = useNavigate();
  const location = useLocation();
  const composerRef = useRef<ComposerHandle>(null);
  const [pending, setPending] = useState<PendingSend[]>([]);
  const drafts = useRef(new Map<string, Draft>());
  useImperativeHandle(ref, () => ({ focusComposer: () => composerRef.current?.focus() }), []);

  const fetched = useQuery({
    queryKey: ['conversation', id],
    queryFn: async () => {
      const c = await get<ConversationSummary>(`/conversations/${id}`);
      live.store.upsert(c);
      return c;
    },
    retry: false,
  });
  const fromStore = useStoreSelect(live.store, (s) => s.get(id), [id]);
  const conversation = fromStore ?? fetched.data;

  const messages = useQuery({
    queryKey: messagesKey(id),
    queryFn: async () => (await get<{ items: MessageSummary[] }>(`/conversations/${id}/messages?limit=200`)).items,
    enabled: Boolean(conversation),
  });

  useEffect(() => {
    live.setViewing(id);
    live.command('conversation.join', { conversationId: id }).catch(() => undefined);
    return () => {
      live.setViewing(null);
      live.command('conversation.leave', { conversationId: id }).catch(() => undefined);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, live.connected]);
  useEffect(() => {
    setPending([]);
  }, [id]);

  const sendDraft = useCallback(
    async (localId: string, d: Draft) => {
      drafts.current.set(localId, d);
      setPending((cur) => [...cur.filter((p) => p.localId !== localId), { localId, text: d.text, isNote: d.isNote, error: null }]);
      try {
        const metadata =
          d.subject || d.cc || d.kbArticleIds
            ? {
                subject: d.subject || undefined,
                cc: d.cc
                  ? d.cc
                      .split(',')
                      .map((s) => s.trim())
                      .filter(Boolean)
                  : undefined,
                kbArticleIds: d.kbArticleIds,
              }
            : undefined;
        const body = { text: d.text, private: d.isNote || undefined, metadata, mentions: d.mentions?.length ? d.mentions : undefined };
        const msg = d.attachments.length
          ? await post<MessageSummary>(`/conversations/${id}/messages/with-attachments`, {
              ...body,
              attachments: d.attachments.map(({ fileName, contentType, dataBase64 }) => ({ fileName, contentType, dataBase64 })),
            })
          : await post<MessageSummary>(`/conversations/${id}/messages`, body);
        queryClient.setQueryData<MessageSummary[]>(messagesKey(id), (list) => mergeAnswer(list, msg));
        setPending((cur) => cur.filter((p) => p.localId !== localId));
        drafts.current.delete(localId);
      } catch (err) {
        const message = err instanceof ApiError ? err.message : String(err);
        setPending((cur) => cur.map((p) => (p.localId === localId ? { ...p, error: message } : p)));
      }
    },
    [id, queryClient],
  );

  if (fetched.error && !fromStore) {
    return (
      <section className="conversation empty-state">
        <p>
          {fetched.error instanceof ApiError && (fetched.error.status === 403 || fetched.error.status === 404)
            ? t('conversation.notFound')
            : t('common.error', { message: fetched.error.message })}
        </p>
      </section>
    );
  }
  if (!conversation) return <section className="conversation empty-state">{t('common.loading')}</section>;

  const typing = live.typing[id] ?? [];
  // The newest routing line says, in the reader's language, why the conversation is where it is.
  const lastRouting = [...(messages.data ?? [])].reverse().find((m) => m.kind === 'activity' && m.metadata?.routing);
  const assignee = conversation.assigneeId ? (byId.get(conversation.assigneeId)?.name ?? '…') : null;

  return (
    <>
      <section className="conversation" data-testid="conversation-view" data-conversation-id={id}>
        <header className="conv-header">
          <button className="ghost back-button" data-testid="back" onClick={() => navigate(`/inbox${location.search}`)}>
            ← {t('conversation.back')}
          </button>
          <div className="conv-title">
            <h2>{contactLabel(conversation)}</h2>
            <div className="muted small conv-meta">
              <span className={`chan chan-${conversation.channel}`}>{t(`channel.${conversation.channel}`)}</span>
              <span className="pill" data-testid="conversation-status">
                {t(`status.${conversation.status}`)}
              </span>
              <SlaBadge c={conversation} />
              <CsatRating conversationId={id} />
              <span data-testid="assignee">{assignee ? t('conversation.assignedTo', { name: assignee }) : t('conversation.unassigned')}</span>
              {conversation.language && <span>{t('conversation.language', { language: conversation.language })}</span>}
              {conversation.snoozedUntil && conversation.status === 'snoozed' && <span>⏰ {fmt.dateTime(conversation.snoozedUntil)}</span>}
            </div>
            {conversation.subject && <div className="small">{t('conversation.subject', { subject: conversation.subject })}</div>}
            {conversation.assignmentReason && (
              <div className="muted small" data-testid="routing-reason">
                {(lastRouting && activityLine(lastRouting, activityCtx)) ?? t('conversation.routingReason', { reason: conversation.assignmentReason })}
              </div>
            )}
          </div>
          <ConversationActions c={conversation} />
          <EscalatePanel c={conversation} />
        </header>
        <HandoffBanner messages={messages.data} />
        {messages.isLoading ? (
          <div className="timeline muted pad">{t('conversation.loading')}</div>
        ) : (
          <Timeline
            messages={messages.data ?? []}
            conversation={conversation}
            pending={pending}
            onRetryPending={(p) => void sendDraft(p.localId, drafts.current.get(p.localId)!)}
          />
        )}
        <div className="typing" aria-live="polite" data-testid="typing">
          {typing.length > 0 && t('conversation.typing', { names: typing.map((x) => x.name).join(', ') })}
        </div>
        <Composer key={id} ref={composerRef} conversation={conversation} onSend={(d) => void sendDraft(`local-${Date.now()}-${Math.random().toString(36).slice(2)}`, d)} />
      </section>
      <ContactSidebar contactId={conversation.contactId} currentId={conversation.id} />
    </>
  );
});
