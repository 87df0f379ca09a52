import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get, qs } from '../api/client';
import type { Article, ArticleSummary } from './kb-types';

/**
 * The composer's article search: published articles in the conversation's language (all
 * languages when it has none); picking one inserts its text or a help-centre link.
 */
export function ArticlePicker({ language, onInsert, onClose }: { language: string | null; onInsert(text: string, articleId: string): void; onClose(): void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(q.trim()), 180);
    return () => clearTimeout(timer);
  }, [q]);
  const locale = language && ['en', 'fr', 'it', 'es', 'uk'].includes(language.slice(0, 2)) ? language.slice(0, 2) : undefined;
  const found = useQuery({
    queryKey: ['kb', 'pick', locale, debounced],
    queryFn: () => get<{ items: ArticleSummary[] }>(`/kb/articles${qs({ locale, q: debounced || undefined, status: 'published', limit: 8 })}`),
  });
  const insert = async (a: ArticleSummary, as: 'text' | 'link') => {
    if (as === 'link') return onInsert(`${a.title}: ${window.location.origin}/help/${a.locale}/${a.slug}`, a.id);
    const full = await get<Article>(`/kb/articles/${a.id}`);
    onInsert(full.text, a.id);
  };
  return (
    <div className="kb-picker" data-testid="kb-picker" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <input
        autoFocus
        type="search"
        aria-label={t('kb.insertSearch')}
        placeholder={t('kb.insertSearch')}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        data-testid="kb-picker-input"
      />
      <ul>
        {found.data?.items.map((a) => (
          <li key={a.id} data-testid="kb-picker-item">
            <strong>{a.title}</strong>
            <button className="link" onClick={() => void insert(a, 'text')}>
              {t('kb.insertText')}
            </button>
            <button className="link" onClick={() => void insert(a, 'link')}>
              {t('kb.insertLink')}
            </button>
          </li>
        ))}
      </ul>
      {found.data && found.data.items.length === 0 && <p className="muted small">{t('kb.noArticles')}</p>}
      <button className="ghost" onClick={onClose}>
        {t('common.close')}
      </button>
    </div>
  );
}
