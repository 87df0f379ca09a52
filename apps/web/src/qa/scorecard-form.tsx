import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { post } from '../api/client';
import type { MessageSummary } from '../api/types';
import { CriterionHeading, messageSnippet, useMarkLabel, usePercent } from './review-parts';
import { scaleMarks, weightedTotal, type QaReview, type Scorecard } from './qa-types';

interface Entry {
  score?: number;
  comment: string;
  messageId: string;
}

/**
 * The coordinator's scorecard for one conversation: every criterion scored on its own scale, an
 * optional comment (optionally about one message), the weighted total previewed as marks are
 * given; the total stored is the server's.
 */
export function ScorecardForm({
  scorecard,
  conversationId,
  messages,
  onSaved,
}: {
  scorecard: Scorecard;
  conversationId: string;
  messages: MessageSummary[];
  onSaved(review: QaReview): void;
}) {
  const { t } = useTranslation();
  const percent = usePercent();
  const mark = useMarkLabel();
  const queryClient = useQueryClient();
  const [entries, setEntries] = useState<Record<string, Entry>>({});
  const [summary, setSummary] = useState('');
  const entry = (key: string): Entry => entries[key] ?? { comment: '', messageId: '' };
  const update = (key: string, patch: Partial<Entry>) => setEntries((cur) => ({ ...cur, [key]: { ...(cur[key] ?? { comment: '', messageId: '' }), ...patch } }));
  const total = weightedTotal(scorecard.criteria, Object.fromEntries(scorecard.criteria.map((c) => [c.key, entries[c.key]?.score])));
  const commentable = messages.filter((m) => m.kind === 'message' || m.kind === 'note');

  const submit = useMutation({
    mutationFn: () =>
      post<QaReview>('/qa/reviews', {
        conversationId,
        scorecardId: scorecard.id,
        summary: summary.trim() || undefined,
        scores: scorecard.criteria.map((c) => {
          const e = entry(c.key);
          return { key: c.key, score: e.score!, comment: e.comment.trim() || undefined, messageId: e.messageId || undefined };
        }),
      }),
    onSuccess: (review) => {
      void queryClient.invalidateQueries({ queryKey: ['qa-queue'] });
      void queryClient.invalidateQueries({ queryKey: ['qa-trends'] });
      onSaved(review);
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (total !== null) submit.mutate();
  };

  return (
    <form className="qa-scorecard" data-testid="qa-scorecard" onSubmit={onSubmit}>
      <h3>
        {scorecard.name} <span className="muted small">{t('qa.review.version', { version: scorecard.version })}</span>
      </h3>
      {scorecard.criteria.map((c) => {
        const e = entry(c.key);
        return (
          <fieldset key={c.key} className="qa-criterion" data-testid={`criterion-${c.key}`}>
            <legend>
              <CriterionHeading c={c} />
            </legend>
            <div className="qa-marks" role="radiogroup" aria-label={c.label}>
              {scaleMarks(c.scale).map((n) => (
                <label key={n} className={`qa-mark ${e.score === n ? 'chosen' : ''}`}>
                  <input type="radio" name={`score-${c.key}`} value={n} checked={e.score === n} onChange={() => update(c.key, { score: n })} />
                  <span>{mark(c.scale, n, true)}</span>
                </label>
              ))}
            </div>
            <label className="field">
              <span>{t('qa.review.comment')}</span>
              <textarea name={`comment-${c.key}`} rows={2} maxLength={2000} value={e.comment} onChange={(ev) => update(c.key, { comment: ev.target.value })} />
            </label>
            {commentable.length > 0 && (
              <label className="field">
                <span>{t('qa.review.aboutMessage')}</span>
                <select name={`message-${c.key}`} value={e.messageId} onChange={(ev) => update(c.key, { messageId: ev.target.value })}>
                  <option value="">{t('qa.review.noMessage')}</option>
                  {commentable.map((m, i) => (
                    <option key={m.id} value={m.id}>
                      {`${i + 1}. ${messageSnippet(m, 60)}`}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </fieldset>
        );
      })}
      <label className="field">
        <span>{t('qa.review.summary')}</span>
        <textarea name="qa-summary" rows={3} maxLength={5000} value={summary} onChange={(e) => setSummary(e.target.value)} />
      </label>
      <div className="qa-total" aria-live="polite">
        {total === null ? (
          <span className="muted" data-testid="qa-total-pending">
            {t('qa.review.totalPending')}
          </span>
        ) : (
          <strong data-testid="qa-total" data-value={total}>
            {t('qa.review.total', { total: percent(total) })}
          </strong>
        )}
      </div>
      <button className="primary" type="submit" disabled={total === null || submit.isPending} data-testid="qa-submit">
        {t('qa.review.submit')}
      </button>
      {submit.error && (
        <div className="error" role="alert">
          {t('qa.review.failed', { message: submit.error.message })}
        </div>
      )}
    </form>
  );
}
