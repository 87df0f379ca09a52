export const KB_LOCALES = ['en', 'fr', 'it', 'es', 'uk'] as const;
export interface Article {
  id: string;
  translationGroupId: string;
  locale: string;
  slug: string;
  title: string;
  body: string;
  category: string | null;
  tags: string[];
  status: 'draft' | 'published';
  publishedAt: string | null;
  updatedAt: string;
  html: string;
  text: string;
  translations: Array<{ id: string; locale: string; slug: string; title: string; status: string }>;
}
export interface ArticleSummary {
  id: string;
  locale: string;
  slug: string;
  title: string;
  status: 'draft' | 'published';
  category: string | null;
  excerpt: string;
}
