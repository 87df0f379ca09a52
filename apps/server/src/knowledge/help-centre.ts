import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';
import { KB_LOCALES, KbLocale } from './knowledge.repository';
import { KnowledgeService } from './knowledge.service';

const STRINGS: Record<
  KbLocale,
  { title: string; search: string; placeholder: string; empty: string; noResults: string; results: string; other: string; alsoIn: string; back: string; notFound: string }
> = {
  en: {
    title: 'Help centre',
    search: 'Search',
    placeholder: 'Search articles',
    empty: 'No articles yet.',
    noResults: 'No articles match',
    results: 'Results for',
    other: 'Other',
    alsoIn: 'Also in',
    back: 'All articles',
    notFound: 'This article does not exist or is not published.',
  },
  fr: {
    title: "Centre d'aide",
    search: 'Rechercher',
    placeholder: 'Rechercher un article',
    empty: "Aucun article pour l'instant.",
    noResults: 'Aucun article ne correspond à',
    results: 'Résultats pour',
    other: 'Autres',
    alsoIn: 'Aussi en',
    back: 'Tous les articles',
    notFound: "Cet article n'existe pas ou n'est pas publié.",
  },
  it: {
    title: 'Centro assistenza',
    search: 'Cerca',
    placeholder: 'Cerca negli articoli',
    empty: 'Ancora nessun articolo.',
    noResults: 'Nessun articolo corrisponde a',
    results: 'Risultati per',
    other: 'Altro',
    alsoIn: 'Disponibile anche in',
    back: 'Tutti gli articoli',
    notFound: 'Questo articolo non esiste o non è pubblicato.',
  },
  es: {
    title: 'Centro de ayuda',
    search: 'Buscar',
    placeholder: 'Buscar artículos',
    empty: 'Todavía no hay artículos.',
    noResults: 'Ningún artículo coincide con',
    results: 'Resultados para',
    other: 'Otros',
    alsoIn: 'También en',
    back: 'Todos los artículos',
    notFound: 'Este artículo no existe o no está publicado.',
  },
  uk: {
    title: 'Довідковий центр',
    search: 'Шукати',
    placeholder: 'Пошук статей',
    empty: 'Статей ще немає.',
    noResults: 'Жодна стаття не відповідає запиту',
    results: 'Результати для',
    other: 'Інше',
    alsoIn: 'Також мовою',
    back: 'Усі статті',
    notFound: 'Ця стаття не існує або не опублікована.',
  },
};
const LANGUAGE_NAMES: Record<KbLocale, string> = { en: 'English', fr: 'Français', it: 'Italiano', es: 'Español', uk: 'Українська' };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const isLocale = (l: string): l is KbLocale => (KB_LOCALES as readonly string[]).includes(l);

function page(locale: KbLocale, title: string, main: string): string {
  const t = STRINGS[locale];
  const langs = KB_LOCALES.map((l) => (l === locale ? `<strong>${LANGUAGE_NAMES[l]}</strong>` : `<a href="/help/${l}" hreflang="${l}">${LANGUAGE_NAMES[l]}</a>`)).join(' · ');
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.55;color:#1f2933}a{color:#2457c5}header{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}form{margin:1rem 0;display:flex;gap:.5rem}input{flex:1;padding:.5rem;font:inherit}button{padding:.5rem 1rem;font:inherit}.excerpt{color:#52606d;margin:.2rem 0 1rem}nav.langs{font-size:.9rem}mark{background:#fff3bf}pre{overflow:auto;background:#f5f7fa;padding:.75rem}img{max-width:100%}</style>
</head><body><header><a href="/help/${locale}"><strong>${esc(t.title)}</strong></a><nav class="langs">${langs}</nav></header>
<form action="/help/${locale}" method="get" role="search"><input type="search" name="q" placeholder="${esc(t.placeholder)}" aria-label="${esc(t.placeholder)}"><button>${esc(t.search)}</button></form>
<main>${main}</main></body></html>`;
}

/**
 * The public help centre, server-rendered per locale (`/help/:locale`, `/help/:locale/:slug`,
 * `?q=` search): readable without login or JavaScript and cacheable by any proxy. Mounted on the
 * raw HTTP adapter because it lives outside the /api/v1 prefix.
 */
@Injectable()
export class HelpCentre implements OnModuleInit {
  private readonly logger = new Logger(HelpCentre.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly kb: KnowledgeService,
  ) {}

  onModuleInit(): void {
    const app = this.adapterHost.httpAdapter.getInstance<Express>();
    const wrap = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);
    app.get('/help', (_req: Request, res: Response) => res.redirect(302, '/help/en'));
    app.get(
      '/help/:locale',
      wrap((req, res) => this.index(req, res)),
    );
    app.get(
      '/help/:locale/:slug',
      wrap((req, res) => this.article(req, res)),
    );
  }

  private send(res: Response, status: number, html: string): void {
    res
      .status(status)
      .set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': status === 200 ? 'public, max-age=300' : 'no-cache', 'x-content-type-options': 'nosniff' })
      .send(html);
  }

  private async index(req: Request, res: Response): Promise<void> {
    const locale = String(req.params.locale);
    if (!isLocale(locale)) return this.send(res, 404, page('en', 'Not found', `<p>${esc(STRINGS.en.notFound)}</p>`));
    const t = STRINGS[locale];
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 200) : '';
    if (q) {
      const found = /[\p{L}\p{N}]/u.test(q) ? await this.kb.find(null, q, { locale, limit: 20 }) : { items: [] };
      const list = found.items.length
        ? `<ul>${found.items.map((a) => `<li><a href="/help/${locale}/${esc(a.slug)}">${esc(a.title)}</a><p class="excerpt">${a.snippet.map((s) => (s.hit ? `<mark>${esc(s.text)}</mark>` : esc(s.text))).join('')}</p></li>`).join('')}</ul>`
        : `<p>${esc(t.noResults)} “${esc(q)}”.</p>`;
      return this.send(
        res,
        200,
        page(locale, `${t.results} “${q}” · ${t.title}`, `<h1>${esc(t.results)} “${esc(q)}”</h1>${list}<p><a href="/help/${locale}">${esc(t.back)}</a></p>`),
      );
    }
    const categories = await this.kb.publicCategories(locale);
    const body = categories.length
      ? categories
          .map(
            (c) =>
              `<section><h2>${esc(c.category ?? t.other)}</h2><ul>${c.articles.map((a) => `<li><a href="/help/${locale}/${esc(a.slug)}">${esc(a.title)}</a></li>`).join('')}</ul></section>`,
          )
          .join('')
      : `<p>${esc(t.empty)}</p>`;
    this.send(res, 200, page(locale, t.title, `<h1>${esc(t.title)}</h1>${body}`));
  }

  private async article(req: Request, res: Response): Promise<void> {
    const locale = String(req.params.locale);
    const slug = String(req.params.slug);
    if (!isLocale(locale)) return this.send(res, 404, page('en', 'Not found', `<p>${esc(STRINGS.en.notFound)}</p>`));
    const t = STRINGS[locale];
    const a = /^[a-z0-9-]{1,120}$/.test(slug) ? await this.kb.publicArticle(locale, slug) : null;
    if (!a) return this.send(res, 404, page(locale, t.title, `<p>${esc(t.notFound)}</p><p><a href="/help/${locale}">${esc(t.back)}</a></p>`));
    const others = a.translations.filter((x) => x.locale !== locale);
    const also = others.length
      ? `<p>${esc(t.alsoIn)}: ${others.map((x) => `<a href="/help/${x.locale}/${esc(x.slug)}" hreflang="${x.locale}">${LANGUAGE_NAMES[x.locale as KbLocale] ?? x.locale}</a>`).join(' · ')}</p>`
      : '';
    this.send(res, 200, page(locale, `${a.title} · ${t.title}`, `<article><h1>${esc(a.title)}</h1>${a.html}</article>${also}<p><a href="/help/${locale}">${esc(t.back)}</a></p>`));
    this.logger.debug({ locale, slug }, 'help article served');
  }
}
