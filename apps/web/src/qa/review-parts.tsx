import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client';
import type { MessageSummary } from '../api/types';
import { messagesKey } from '../live/live';
import type { Criterion, CriterionScale } from './qa-types';

/** A share in % written the reader's way ("62.5%", "62,5 %"). */
export function usePercent() {
  const { i18n } = useTranslation();
  const lng = i18n.resolvedLanguage ?? i18n.language ?? 'en';
  return (n: number) => new Intl.NumberFormat(lng, { style: 'percent', maximumFractionDigits: 2 }).format(n / 100);
}

/** A mark as a person reads it: "Yes", "3 / 5", "1 / 2". */
export function useMarkLabel() {
  const { t } = useTranslation();
  return (scale: CriterionScale, score: number, short = false) => {
    if (scale === 'yes_no') return score ? t('qa.review.yes') : t('qa.review.no');
    if (short) return String(score);
    return `${score} / ${scale === '0-2' ? 2 : 5}`;
  };
}

/** The timeline of a conversation, shared with the inbox's cache (same key, same shape). */
export function useConversationMessages(conversationId: string | null) {
  return useQuery({
    queryKey: messagesKey(conversationId ?? ''),
    queryFn: async () => (await get<{ items: MessageSummary[] }>(`/conversations/${conversationId}/messages?limit=200`)).items,
    enabled: Boolean(conversationId),
    retry: false,
  });
}

export function messageSnippet(m: MessageSummary, max = 80): string {
  const text = (m.text ?? '').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function CriterionHeading({ c }: { c: Criterion }) {
  const { t } = useTranslation();
  return (
    <>
      <strong>{c.label}</strong>{' '}
      <span className="muted small">
        {t(`qa.review.scale.${c.scale}`)} · {t('qa.review.weight', { weight: c.weight })}
      </span>
      {c.description && <div className="muted small">{c.description}</div>}
    </>
  );
}
