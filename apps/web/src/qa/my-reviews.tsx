import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { post } from '../api/client';
import { useFormat } from '../i18n/format';
import { useConversationMessages } from './review-parts';
import { ReviewView } from './review-view';
import { MINE_KEY, useMyReviews } from './new-reviews-badge';
import type { QaReview } from './qa-types';

function replaceReview(list: QaReview[] | undefined, r: QaReview) {
  return list?.map((x) => (x.id === r.id ? r : x));
}

/** The reviewed person's side of one review: acknowledge it, and answer it once. */
function MyReview({ review }: { review: QaReview }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const messages = useConversationMessages(review.conversationId);
  const [reply, setReply] = useState('');
  const onSaved = (r: QaReview) => queryClient.setQueryData<QaReview[]>(MINE_KEY, (list) => replaceReview(list, r));
  const acknowledge = useMutation({ mutationFn: () => post<QaReview>(`/qa/reviews/${review.id}/acknowledge`), onSuccess: onSaved });
  const answer = useMutation({ mutationFn: (text: string) => post<QaReview>(`/qa/reviews/${review.id}/reply`, { text }), onSuccess: onSaved });
  const error = acknowledge.error ?? answer.error;
  return (
    <ReviewView review={review} messages={messages.data}>
      <div className="qa-agent-side">
        {review.acknowledgedAt ? (
          <span className="ok small" data-testid="qa-acknowledged">
            ✓ {t('qa.mine.acknowledged', { date: fmt.dateTime(review.acknowledgedAt) })}
          </span>
        ) : (
          <button type="button" className="primary" data-testid="qa-acknowledge" disabled={acknowledge.isPending} onClick={() => acknowledge.mutate()}>
            {t('qa.mine.acknowledge')}
          </button>
        )}
        {review.agentReply !== null ? (
          <div className="qa-reply" data-testid="qa-reply">
            <div className="muted small">{t('qa.mine.replied', { date: review.agentRepliedAt ? fmt.dateTime(review.agentRepliedAt) : '' })}</div>
            <p>{review.agentReply}</p>
          </div>
        ) : (
          <form
            className="qa-reply-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (reply.trim()) answer.mutate(reply.trim());
            }}
          >
            <label className="field">
              <span>{t('qa.mine.reply')}</span>
              <textarea name="qa-reply" rows={2} maxLength={5000} value={reply} onChange={(e) => setReply(e.target.value)} />
            </label>
            <button type="submit" className="ghost" disabled={!reply.trim() || answer.isPending} data-testid="qa-send-reply">
              {t('qa.mine.send')}
            </button>
          </form>
        )}
        {error && (
          <div className="error" role="alert">
            {t('qa.mine.failed', { message: error.message })}
          </div>
        )}
      </div>
    </ReviewView>
  );
}

/**
 * "My reviews": every review of the signed-in person's conversations, newest first, the count of
 * unacknowledged ones beside the title (the page's own title for agents, a section under the tabs for staff).
 */
export function MyReviews({ asPage = false }: { asPage?: boolean }) {
  const { t } = useTranslation();
  const reviews = useMyReviews();
  if (reviews.isLoading) return <div className="muted">{t('common.loading')}</div>;
  if (reviews.error) return <div className="error">{t('common.error', { message: reviews.error.message })}</div>;
  const list = reviews.data ?? [];
  const open = list.filter((r) => !r.acknowledgedAt).length;
  const Title = asPage ? 'h1' : 'h2';
  return (
    <section className="qa-mine" data-testid="qa-mine">
      <Title>
        {t('qa.mine.title')}{' '}
        {open > 0 && (
          <span className="badge" data-testid="qa-mine-new">
            {t('qa.mine.new', { n: open })}
          </span>
        )}
      </Title>
      {list.length === 0 ? (
        <p className="muted" data-testid="qa-mine-empty">
          {t('qa.mine.empty')}
        </p>
      ) : (
        list.map((r) => <MyReview key={r.id} review={r} />)
      )}
    </section>
  );
}
