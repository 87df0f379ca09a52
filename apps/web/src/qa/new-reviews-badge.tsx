import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client';
import type { QaReview } from './qa-types';
import './csat.css';

/** The signed-in person's reviews; My reviews and the header's badge share it, so acknowledging clears the badge. */
export const MINE_KEY = ['qa-reviews-mine'] as const;

export function useMyReviews() {
  return useQuery({ queryKey: MINE_KEY, queryFn: () => get<QaReview[]>('/qa/reviews/mine'), staleTime: 60_000 });
}

/** How many reviews of mine wait for my acknowledgement, beside the header link (nothing when none). */
export function NewReviewsBadge() {
  const { t } = useTranslation();
  const { data } = useMyReviews();
  const n = Array.isArray(data) ? data.filter((r) => !r.acknowledgedAt).length : 0;
  if (!n) return null;
  return (
    <span className="badge qa-nav-badge" data-testid="qa-new-reviews" aria-label={t('qa.mine.new', { n })}>
      {n}
    </span>
  );
}
