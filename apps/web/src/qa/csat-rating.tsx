import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client';
import type { ConversationCsat } from './qa-types';
import './csat.css';

export const csatKey = (conversationId: string) => ['csat', conversationId] as const;

/** Five drawn stars, the first `rating` filled: text glyphs every font has, read out as "4 / 5". */
function Stars({ rating }: { rating: number }) {
  return (
    <span className="csat-stars" aria-hidden>
      {[1, 2, 3, 4, 5].map((n) => (
        <span key={n} className={n <= rating ? 'on' : ''}>
          ★
        </span>
      ))}
    </span>
  );
}

/**
 * The customer's rating in the conversation header: stars or thumbs with the comment, "survey sent"
 * while waiting, nothing when no survey went out. The live `csat.received` event updates the same
 * query (see live.tsx), so a rating shows up while the conversation is open.
 */
export function CsatRating({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: csatKey(conversationId), queryFn: () => get<ConversationCsat>(`/conversations/${conversationId}/csat`), retry: false, staleTime: 30_000 });
  const data = q.data;
  if (!data) return null;
  if (data.rating) {
    const { rating, scale, comment } = data.rating;
    const label = scale === 'thumbs' ? (rating >= 4 ? t('csat.header.up') : t('csat.header.down')) : t('csat.header.rated', { rating });
    return (
      <span className={`csat-rating ${rating <= 2 ? 'low' : ''}`} data-testid="csat-rating" data-rating={rating} title={t('csat.header.title')}>
        <span className="sr-only">{t('csat.header.title')}: </span>
        {scale === 'thumbs' ? (
          <span className={`csat-thumb ${rating >= 4 ? 'up' : 'down'}`} aria-hidden>
            {rating >= 4 ? '▲' : '▼'}
          </span>
        ) : (
          <Stars rating={rating} />
        )}{' '}
        <span data-testid="csat-rating-label">{label}</span>
        {comment && (
          <q className="csat-comment" data-testid="csat-comment">
            {comment}
          </q>
        )}
      </span>
    );
  }
  if (data.survey?.status === 'sent')
    return (
      <span className="pill" data-testid="csat-awaiting">
        {t('csat.header.awaiting')}
      </span>
    );
  if (data.survey?.status === 'scheduled')
    return (
      <span className="pill" data-testid="csat-scheduled">
        {t('csat.header.scheduled')}
      </span>
    );
  return null;
}
