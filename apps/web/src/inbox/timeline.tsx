import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { mergeAnswer, messagesKey } from '../live/live';
import { post } from '../api/client';
import type { ConversationSummary, MessageSummary } from '../api/types';
import { useFormat } from '../i18n/format';
import { useDirectory } from '../session/session';
import { EmailBody } from './email-body';
import { AttachmentList } from './attachment-list';
import { CallEntry, useSendErrorText } from './call-entry';
import { useActivityContext } from './use-activity-context';
import { activityLine } from './activity-line';
import { useBotNames } from '../bots/use-bot-names';
import { NoteText } from './mention-text';

export interface PendingSend {
  localId: string;
  text: string;
  isNote: boolean;
  error: string | null;
}

function Message({ m, conversation, readOnly }: { m: MessageSummary; conversation: ConversationSummary; readOnly?: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { byId } = useDirectory();
  const botNames = useBotNames();
  const queryClient = useQueryClient();
  // The answer is the message as it stands now (queued again): shown at once, live events follow.
  const retry = useMutation({
    mutationFn: () => post<MessageSummary>(`/conversations/${m.conversationId}/messages/${m.id}/retry`),
    onSuccess: (updated) => queryClient.setQueryData<MessageSummary[]>(messagesKey(m.conversationId), (list) => mergeAnswer(list, updated, true)),
  });
  const sendError = useSendErrorText();
  const activityCtx = useActivityContext();

  if (m.kind === 'call') return <CallEntry m={m} />;

  if (m.kind === 'activity') {
    // Written from the server's codes and params in the reader's language; its English text only when a code is unknown here.
    const line = activityLine(m, activityCtx) ?? m.text;
    return (
      <div className="activity" data-testid="activity" data-kind="activity">
        <span>{line}</span> <span className="muted small">{fmt.time(m.createdAt)}</span>
      </div>
    );
  }
  const author =
    m.authorType === 'contact'
      ? (conversation.contactName ?? t('conversation.customer'))
      : m.authorType === 'bot'
        ? (m.authorId && botNames.get(m.authorId)) || t('conversation.bot')
        : m.authorType === 'system'
          ? t('conversation.system')
          : (m.authorId && byId.get(m.authorId)?.name) || t('conversation.someone');
  const cls = m.kind === 'note' ? 'note' : m.direction;
  // A reply still queued/sending past its delivery deadline lost its worker: the server accepts a retry.
  const stuck = (m.status === 'queued' || m.status === 'sending') && m.deliveryDeadline !== null && Date.parse(m.deliveryDeadline) < Date.now();
  return (
    <article className={`msg ${cls}`} data-testid="message" data-message-id={m.id} data-direction={m.direction} data-kind={m.kind} data-status={m.status ?? ''}>
      <header>
        <strong>{author}</strong>
        {m.authorType === 'bot' && m.authorId && botNames.has(m.authorId) && <span className="pill">{t('conversation.bot')}</span>}
        {m.kind === 'note' && <span className="pill note-pill">{t('conversation.note')}</span>}
        <span className={`chan chan-${conversation.channel}`}>{t(`channel.${conversation.channel}`)}</span>
        <span className="muted small">{fmt.dateTime(m.createdAt)}</span>
      </header>
      {m.html && m.direction === 'inbound' ? <EmailBody html={m.html} /> : <div className="text">{m.kind === 'note' ? <NoteText m={m} /> : m.text}</div>}
      <AttachmentList list={m.attachments} />
      {m.kind === 'message' && m.direction === 'outbound' && m.status && (
        <footer className={`delivery delivery-${m.status}`} data-testid="delivery">
          {t(`delivery.${m.status}`)}
          {(m.status === 'failed' || stuck) && !readOnly && (
            <>
              {m.error && <span className="error small"> · {sendError(m.error)}</span>}{' '}
              <button className="link" disabled={retry.isPending} onClick={() => retry.mutate()}>
                {t('delivery.retry')}
              </button>
            </>
          )}
        </footer>
      )}
    </article>
  );
}

export function Timeline({
  messages,
  conversation,
  pending,
  onRetryPending,
  readOnly,
}: {
  messages: MessageSummary[];
  conversation: ConversationSummary;
  pending: PendingSend[];
  onRetryPending(p: PendingSend): void;
  /** Shown for reading only (quality review): no retry buttons. */
  readOnly?: boolean;
}) {
  const { t } = useTranslation();
  const endRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Read-only, the conversation is read from its start (and the page around it must not scroll).
    if (!readOnly) endRef.current?.scrollIntoView({ block: 'end' });
  }, [messages.length, pending.length, readOnly]);
  return (
    <div className="timeline" data-testid="timeline">
      {messages.map((m) => (
        <Message key={m.id} m={m} conversation={conversation} readOnly={readOnly} />
      ))}
      {pending.map((p) => (
        <article key={p.localId} className={`msg ${p.isNote ? 'note' : 'outbound'} pending`} data-testid="pending-message">
          <div className="text">{p.text}</div>
          <footer className={`delivery ${p.error ? 'delivery-failed' : ''}`}>
            {p.error ? (
              <>
                {t('delivery.notSent', { message: p.error })}{' '}
                <button className="link" onClick={() => onRetryPending(p)}>
                  {t('delivery.retry')}
                </button>
              </>
            ) : (
              t('delivery.sending')
            )}
          </footer>
        </article>
      ))}
      <div ref={endRef} />
    </div>
  );
}
