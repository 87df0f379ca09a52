import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { ApiError, get, post, qs } from '../api/client';
import type { ConversationSummary } from '../api/types';
import { useFormat } from '../i18n/format';
import { Timeline } from '../inbox/timeline';
import { ScorecardForm } from './scorecard-form';
import { ReviewView } from './review-view';
import { useConversationMessages, usePercent } from './review-parts';
import { conversationIdFrom, isoWeekOf, shiftWeek, type QaReview, type QueueAnswer, type Scorecard } from './qa-types';

const NO_PENDING: never[] = [];

/** The opened queue item: the whole timeline, read-only, beside the scorecard (or the review already made). */
function ReviewPane({ conversationId, reviewId: listed, scorecard }: { conversationId: string; reviewId: string | null; scorecard: Scorecard }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  // The review just made shows at once, before the queue comes back with its id.
  const [saved, setSaved] = useState<string | null>(null);
  const reviewId = listed ?? saved;
  const conversation = useQuery({ queryKey: ['conversation', conversationId], queryFn: () => get<ConversationSummary>(`/conversations/${conversationId}`), retry: false });
  const messages = useConversationMessages(conversationId);
  const review = useQuery({ queryKey: ['qa-review', reviewId], queryFn: () => get<QaReview>(`/qa/reviews/${reviewId}`), enabled: Boolean(reviewId) });
  const error = conversation.error ?? messages.error;
  return (
    <div className="qa-review" data-testid="qa-review-pane" data-conversation-id={conversationId}>
      <section className="qa-timeline" aria-label={t('qa.review.timeline')}>
        <h3>
          {conversation.data?.contactName ?? t('list.unknownContact')}
          {conversation.data && <span className={`chan chan-${conversation.data.channel}`}>{t(`channel.${conversation.data.channel}`)}</span>}
        </h3>
        {error && <div className="error">{t('common.error', { message: error.message })}</div>}
        {conversation.data && messages.data ? (
          <Timeline messages={messages.data} conversation={conversation.data} pending={NO_PENDING} onRetryPending={() => undefined} readOnly />
        ) : (
          !error && <div className="muted pad">{t('common.loading')}</div>
        )}
      </section>
      <section className="qa-side" aria-label={t('qa.review.scorecard')}>
        {reviewId ? (
          review.data ? (
            <ReviewView review={review.data} messages={messages.data} />
          ) : (
            <div className="muted">{t('common.loading')}</div>
          )
        ) : (
          <ScorecardForm
            key={`${conversationId}:${scorecard.id}:${scorecard.version}`}
            scorecard={scorecard}
            conversationId={conversationId}
            messages={messages.data ?? []}
            onSaved={(r) => {
              queryClient.setQueryData(['qa-review', r.id], r);
              setSaved(r.id);
            }}
          />
        )}
      </section>
    </div>
  );
}

/** The coordinator's weekly queue: the reproducible sample plus the conversations added by hand. */
export function QaQueue() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const percent = usePercent();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const week = params.get('week') ?? isoWeekOf(new Date());
  const open = params.get('open');
  const scorecards = useQuery({ queryKey: ['qa-scorecards'], queryFn: () => get<Scorecard[]>('/qa/scorecards') });
  const active = (scorecards.data ?? []).filter((s) => !s.archived);
  const scorecard = active.find((s) => s.id === params.get('scorecard')) ?? active[0];
  const queue = useQuery({
    queryKey: ['qa-queue', week, scorecard?.id],
    queryFn: () => get<QueueAnswer>(`/qa/queue${qs({ week, scorecardId: scorecard!.id })}`),
    enabled: Boolean(scorecard),
  });
  const setParam = (changes: Record<string, string | null>) =>
    setParams((cur) => {
      const next = new URLSearchParams(cur);
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) next.delete(k);
        else next.set(k, v);
      }
      return next;
    });

  const [addText, setAddText] = useState('');
  const [addInvalid, setAddInvalid] = useState(false);
  const add = useMutation({
    mutationFn: (conversationId: string) => post('/qa/queue', { conversationId, week }),
    onSuccess: (_, conversationId) => {
      setAddText('');
      void queryClient.invalidateQueries({ queryKey: ['qa-queue'] });
      setParam({ open: conversationId });
    },
  });
  const onAdd = (e: FormEvent) => {
    e.preventDefault();
    const id = conversationIdFrom(addText);
    setAddInvalid(!id);
    if (id) add.mutate(id);
  };

  if (scorecards.isLoading) return <div className="muted">{t('common.loading')}</div>;
  if (!scorecard)
    return (
      <p className="muted" data-testid="qa-no-scorecard">
        {t('qa.queue.noScorecard')}
      </p>
    );
  const items = queue.data?.items ?? [];
  const opened = items.find((i) => i.conversationId === open);

  return (
    <div className="qa-queue" data-testid="qa-queue">
      <div className="qa-toolbar">
        <button
          type="button"
          className="ghost"
          aria-label={t('qa.queue.previous')}
          data-testid="qa-week-previous"
          onClick={() => setParam({ week: shiftWeek(week, -1), open: null })}
        >
          ←
        </button>
        <span data-testid="qa-week">{t('qa.queue.week', { week })}</span>
        <button type="button" className="ghost" aria-label={t('qa.queue.next')} data-testid="qa-week-next" onClick={() => setParam({ week: shiftWeek(week, 1), open: null })}>
          →
        </button>
        {active.length > 1 && (
          <label className="field">
            <span>{t('qa.queue.scorecard')}</span>
            <select value={scorecard.id} onChange={(e) => setParam({ scorecard: e.target.value, open: null })}>
              {active.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <form className="qa-add" onSubmit={onAdd}>
          <input
            name="qa-add-conversation"
            aria-label={t('qa.queue.add')}
            placeholder={t('qa.queue.addPlaceholder')}
            value={addText}
            onChange={(e) => setAddText(e.target.value)}
          />
          <button type="submit" className="ghost" disabled={add.isPending || !addText.trim()}>
            {t('qa.queue.add')}
          </button>
          {addInvalid && <span className="error small">{t('qa.queue.addInvalid')}</span>}
          {add.error && (
            <span className="error small">
              {add.error instanceof ApiError && add.error.status === 404 ? t('qa.queue.addNotFound') : t('common.error', { message: add.error.message })}
            </span>
          )}
        </form>
      </div>
      {queue.error && <div className="error">{t('common.error', { message: queue.error.message })}</div>}
      {queue.data && items.length === 0 && (
        <p className="muted" data-testid="qa-queue-empty">
          {t('qa.queue.empty')}
        </p>
      )}
      {items.length > 0 && (
        <div className="qa-table-wrap">
          <table className="table qa-queue-table">
            <thead>
              <tr>
                <th scope="col">{t('qa.queue.agent')}</th>
                <th scope="col">{t('qa.queue.contact')}</th>
                <th scope="col">{t('qa.queue.resolvedAt')}</th>
                <th scope="col">{t('qa.queue.source')}</th>
                <th scope="col">{t('qa.queue.status')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr
                  key={i.conversationId}
                  className={i.conversationId === open ? 'selected' : ''}
                  data-testid="qa-queue-item"
                  data-conversation-id={i.conversationId}
                  data-reviewed={i.reviewId ? 'true' : 'false'}
                >
                  <td>{i.agentName ?? '—'}</td>
                  <td>
                    <button type="button" className="link" onClick={() => setParam({ open: i.conversationId })}>
                      {i.contactName ?? t('list.unknownContact')}
                    </button>
                    <div className="muted small">
                      <span className={`chan chan-${i.channel}`}>{t(`channel.${i.channel}` as 'channel.api')}</span> {i.subject}
                    </div>
                  </td>
                  <td>{i.resolvedAt ? fmt.dateTime(i.resolvedAt) : '—'}</td>
                  <td>{t(`qa.queue.${i.source}`)}</td>
                  <td>
                    {i.reviewId && i.totalPercent !== null ? (
                      <span className="qa-score-pill">{percent(i.totalPercent)}</span>
                    ) : (
                      <span className="pill">{t('qa.queue.toReview')}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open ? (
        <ReviewPane key={open} conversationId={open} reviewId={opened?.reviewId ?? null} scorecard={scorecard} />
      ) : (
        items.length > 0 && <p className="muted">{t('qa.queue.pick')}</p>
      )}
    </div>
  );
}
