import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { MessageSummary } from '../api/types';
import { useFormat } from '../i18n/format';
import { CriterionHeading, messageSnippet, useMarkLabel, usePercent } from './review-parts';
import type { QaReview } from './qa-types';

/** One review, read-only: total, who and when, each criterion's mark and comment (quoting the message it is about). */
export function ReviewView({ review, messages, children }: { review: QaReview; messages?: MessageSummary[]; children?: ReactNode }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const percent = usePercent();
  const mark = useMarkLabel();
  const byId = new Map((messages ?? []).map((m) => [m.id, m]));
  const scores = new Map(review.scores.map((s) => [s.key, s]));
  return (
    <article className="qa-review-card card" data-testid="qa-review" data-review-id={review.id}>
      <header className="qa-review-head">
        <div>
          <strong>{review.scorecardName}</strong> <span className="muted small">{t('qa.review.version', { version: review.scorecardVersion })}</span>
          <div className="muted small">{t('qa.review.reviewer', { name: review.reviewerName ?? '—', date: fmt.dateTime(review.createdAt) })}</div>
        </div>
        <span className="qa-score-pill" data-testid="qa-review-total">
          {percent(review.totalPercent)}
        </span>
      </header>
      <ul className="qa-criteria">
        {review.criteria.map((c) => {
          const s = scores.get(c.key);
          const about = s?.messageId ? byId.get(s.messageId) : undefined;
          return (
            <li key={c.key} data-testid={`review-criterion-${c.key}`}>
              <div className="qa-criterion-line">
                <span>
                  <CriterionHeading c={c} />
                </span>
                <span className="pill" data-testid="review-mark">
                  {s ? mark(c.scale, s.score) : '—'}
                </span>
              </div>
              {s?.comment && (
                <blockquote className="qa-comment" data-testid="review-comment">
                  {s.comment}
                  {s.messageId && (
                    <div className="muted small" data-testid="review-comment-message">
                      {about ? t('qa.review.messageQuote', { text: messageSnippet(about) }) : t('qa.review.onMessage')}
                    </div>
                  )}
                </blockquote>
              )}
            </li>
          );
        })}
      </ul>
      {review.summary && (
        <p className="qa-summary" data-testid="review-summary">
          {review.summary}
        </p>
      )}
      <div className="small">
        <Link to={`/inbox/${review.conversationId}`}>{t('qa.review.openConversation')}</Link>
      </div>
      {children}
    </article>
  );
}
