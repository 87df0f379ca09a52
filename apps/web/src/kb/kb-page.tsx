import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { ApiError, del, get, patch, post, qs } from '../api/client';
import { KB_LOCALES, type Article, type ArticleSummary } from './kb-types';

interface Form {
  title: string;
  body: string;
  locale: string;
  category: string;
  tags: string;
  slug: string;
}
const EMPTY: Form = { title: '', body: '', locale: 'en', category: '', tags: '', slug: '' };

/** Staff screen: list, write (Markdown with the server's own rendered preview), publish, unpublish, delete. */
export default function KnowledgeBasePage() {
  const { t } = useTranslation();
  const { articleId } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [locale, setLocale] = useState('');
  const list = useQuery({ queryKey: ['kb', 'list', locale], queryFn: () => get<{ items: ArticleSummary[] }>(`/kb/articles${qs({ locale, limit: 100 })}`) });
  const article = useQuery({
    queryKey: ['kb', 'article', articleId],
    queryFn: () => get<Article>(`/kb/articles/${articleId}`),
    enabled: Boolean(articleId && articleId !== 'new'),
  });
  const [form, setForm] = useState<Form>(EMPTY);
  const [preview, setPreview] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    const a = article.data;
    setForm(a && articleId !== 'new' ? { title: a.title, body: a.body, locale: a.locale, category: a.category ?? '', tags: a.tags.join(', '), slug: a.slug } : EMPTY);
    setPreview(null);
    setMessage(null);
  }, [article.data, articleId]);

  const payload = () => ({
    title: form.title,
    body: form.body,
    category: form.category.trim() || null,
    tags: form.tags
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ...(form.slug ? { slug: form.slug } : {}),
  });
  const save = useMutation({
    mutationFn: async (status?: 'draft' | 'published') => {
      if (!articleId || articleId === 'new') return post<Article>('/kb/articles', { ...payload(), locale: form.locale, ...(status ? { status } : {}) });
      return patch<Article>(`/kb/articles/${articleId}`, { ...payload(), ...(status ? { status } : {}) });
    },
    onSuccess: (a) => {
      setMessage(t('kb.saved'));
      void client.invalidateQueries({ queryKey: ['kb'] });
      if (a.id !== articleId) navigate(`/kb/${a.id}`);
    },
    onError: (err) => setMessage(t('kb.failed', { message: err instanceof ApiError ? err.message : String(err) })),
  });
  const remove = useMutation({
    mutationFn: () => del(`/kb/articles/${articleId}`),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['kb'] });
      navigate('/kb');
    },
  });
  const showPreview = async () => setPreview((await post<{ html: string }>('/kb/preview', { body: form.body })).html);

  const editing = Boolean(articleId);
  const status = articleId && articleId !== 'new' ? article.data?.status : undefined;
  const field = (k: keyof Form) => ({ value: form[k], onChange: (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value })) });

  return (
    <div className="kb-page" data-testid="kb-page">
      <aside>
        <h2>{t('kb.title')}</h2>
        <div className="row">
          <button className="primary" onClick={() => navigate('/kb/new')} data-testid="kb-new">
            {t('kb.new')}
          </button>
          <select aria-label={t('kb.locale')} value={locale} onChange={(e) => setLocale(e.target.value)}>
            <option value="">{t('find.all')}</option>
            {KB_LOCALES.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
        {list.data?.items.length === 0 && <p className="muted">{t('kb.empty')}</p>}
        <ul className="kb-list">
          {list.data?.items.map((a) => (
            <li key={a.id} className={a.id === articleId ? 'active' : ''} onClick={() => navigate(`/kb/${a.id}`)} data-testid="kb-item">
              <strong>{a.title}</strong>{' '}
              <span className="muted small">
                {a.locale} · {a.status === 'published' ? t('kb.published') : t('kb.draft')}
              </span>
            </li>
          ))}
        </ul>
      </aside>
      {editing && (
        <section className="kb-editor">
          <input aria-label={t('kb.titleField')} placeholder={t('kb.titleField')} data-testid="kb-title" {...field('title')} />
          <div className="row">
            <label>
              {t('kb.locale')}{' '}
              <select {...field('locale')} disabled={articleId !== 'new'} data-testid="kb-locale">
                {KB_LOCALES.map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
            <input aria-label={t('kb.category')} placeholder={t('kb.category')} {...field('category')} />
            <input aria-label={t('kb.tags')} placeholder={t('kb.tags')} {...field('tags')} />
            <input aria-label={t('kb.slug')} placeholder={t('kb.slug')} {...field('slug')} />
          </div>
          <textarea aria-label={t('kb.body')} placeholder={t('kb.body')} data-testid="kb-body" {...field('body')} />
          <div className="row">
            <button onClick={() => save.mutate(undefined)} disabled={!form.title.trim() || save.isPending} data-testid="kb-save">
              {t('kb.save')}
            </button>
            {status !== 'published' ? (
              <button className="primary" onClick={() => save.mutate('published')} disabled={!form.title.trim() || save.isPending} data-testid="kb-publish">
                {t('kb.publish')}
              </button>
            ) : (
              <button onClick={() => save.mutate('draft')} data-testid="kb-unpublish">
                {t('kb.unpublish')}
              </button>
            )}
            <button className="ghost" onClick={() => void showPreview()} data-testid="kb-preview">
              {t('kb.preview')}
            </button>
            {articleId !== 'new' && (
              <button className="ghost" onClick={() => remove.mutate()}>
                {t('kb.delete')}
              </button>
            )}
            {status && <span className="muted small">{status === 'published' ? t('kb.published') : t('kb.draft')}</span>}
            {message && (
              <span className="small" role="status">
                {message}
              </span>
            )}
          </div>
          {/* Rendered and sanitised by the server (markdown-it, then an allowlist sanitiser). */}
          {preview !== null && <div className="kb-preview" data-testid="kb-preview-html" dangerouslySetInnerHTML={{ __html: preview }} />}
        </section>
      )}
    </div>
  );
}
