import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';
import { CsatLocale, CsatService, DomainError, Limiter, RateLimits, SurveyView } from '@inbox/core';

interface PageStrings {
  title: string;
  stars: [string, string, string, string, string];
  up: string;
  down: string;
  comment: string;
  submit: string;
  change: string;
  thanks: string;
  yourRating: string;
  closed: string;
  invalid: string;
  tooMany: string;
  pick: string;
}

const STRINGS: Record<CsatLocale, PageStrings> = {
  en: {
    title: 'Rate your conversation',
    stars: ['Very poor', 'Poor', 'Okay', 'Good', 'Excellent'],
    up: 'Good',
    down: 'Bad',
    comment: 'Anything to add? (optional)',
    submit: 'Send rating',
    change: 'Change rating',
    thanks: 'Thank you for your feedback!',
    yourRating: 'Your rating',
    closed: 'This survey is closed.',
    invalid: 'This link is not valid.',
    tooMany: 'Too many attempts; try again in a minute.',
    pick: 'Please choose a rating.',
  },
  fr: {
    title: 'Évaluez votre échange',
    stars: ['Très mauvais', 'Mauvais', 'Correct', 'Bon', 'Excellent'],
    up: 'Bien',
    down: 'Pas bien',
    comment: 'Un commentaire ? (facultatif)',
    submit: 'Envoyer la note',
    change: 'Modifier la note',
    thanks: 'Merci pour votre avis !',
    yourRating: 'Votre note',
    closed: 'Cette enquête est close.',
    invalid: "Ce lien n'est pas valide.",
    tooMany: 'Trop de tentatives ; réessayez dans une minute.',
    pick: 'Choisissez une note.',
  },
  it: {
    title: 'Valuta la conversazione',
    stars: ['Pessimo', 'Scarso', 'Discreto', 'Buono', 'Eccellente'],
    up: 'Bene',
    down: 'Male',
    comment: 'Vuoi aggiungere qualcosa? (facoltativo)',
    submit: 'Invia valutazione',
    change: 'Cambia valutazione',
    thanks: 'Grazie per il tuo riscontro!',
    yourRating: 'La tua valutazione',
    closed: 'Questo sondaggio è chiuso.',
    invalid: 'Questo link non è valido.',
    tooMany: 'Troppi tentativi; riprova tra un minuto.',
    pick: 'Scegli una valutazione.',
  },
  es: {
    title: 'Valora tu conversación',
    stars: ['Muy mala', 'Mala', 'Aceptable', 'Buena', 'Excelente'],
    up: 'Bien',
    down: 'Mal',
    comment: '¿Algo que añadir? (opcional)',
    submit: 'Enviar valoración',
    change: 'Cambiar valoración',
    thanks: '¡Gracias por tu opinión!',
    yourRating: 'Tu valoración',
    closed: 'Esta encuesta está cerrada.',
    invalid: 'Este enlace no es válido.',
    tooMany: 'Demasiados intentos; inténtalo dentro de un minuto.',
    pick: 'Elige una valoración.',
  },
  uk: {
    title: 'Оцініть розмову',
    stars: ['Дуже погано', 'Погано', 'Нормально', 'Добре', 'Чудово'],
    up: 'Добре',
    down: 'Погано',
    comment: 'Бажаєте щось додати? (необовʼязково)',
    submit: 'Надіслати оцінку',
    change: 'Змінити оцінку',
    thanks: 'Дякуємо за ваш відгук!',
    yourRating: 'Ваша оцінка',
    closed: 'Це опитування закрито.',
    invalid: 'Це посилання недійсне.',
    tooMany: 'Забагато спроб; спробуйте за хвилину.',
    pick: 'Оберіть оцінку.',
  },
};

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// Stars without script: radios in reverse order so `:checked ~ label` lights the chosen star and those before it.
const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1f2933}
h1{font-size:1.4rem}fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600;margin-bottom:.5rem}
.stars{display:inline-flex;flex-direction:row-reverse;gap:.25rem}.stars input,.thumbs input{position:absolute;opacity:0;width:1px;height:1px}
.stars label{font-size:2.5rem;line-height:1;color:#c4cdd5;cursor:pointer;padding:.1rem}
.stars input:checked~label,.stars label:hover,.stars label:hover~label{color:#f5a623}
.stars input:focus-visible+label,.thumbs input:focus-visible+label{outline:3px solid #2457c5;outline-offset:2px}
.thumbs{display:flex;gap:1rem}.thumbs label{font-size:1.1rem;border:2px solid #c4cdd5;border-radius:.5rem;padding:.6rem 1rem;cursor:pointer}
.thumbs input:checked+label{border-color:#2457c5;background:#e8f0fe}
textarea{width:100%;min-height:5rem;font:inherit;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.7rem 1.4rem;font:inherit;font-size:1.05rem;background:#2457c5;color:#fff;border:0;border-radius:.4rem;cursor:pointer}
.note{padding:.75rem 1rem;background:#e3f9e5;border-radius:.4rem}.error{padding:.75rem 1rem;background:#ffe3e3;border-radius:.4rem}`;

export function renderCsatPage(locale: CsatLocale, view: SurveyView | null, token: string, notice: { kind: 'thanks' | 'error'; text: string } | null): string {
  const t = STRINGS[locale];
  let main: string;
  if (!view) main = notice ? '' : `<p class="error">${esc(t.invalid)}</p>`;
  else {
    const current =
      view.rating !== null
        ? `<p>${esc(t.yourRating)}: <strong>${view.scale === 'thumbs' ? esc(view.rating >= 4 ? t.up : t.down) : `${'★'.repeat(view.rating)}${'☆'.repeat(5 - view.rating)} (${view.rating}/5)`}</strong></p>`
        : '';
    if (view.state === 'closed') main = `${current}<p class="note">${esc(view.rating !== null ? t.thanks : t.closed)}</p>`;
    else {
      const choices =
        view.scale === 'thumbs'
          ? `<div class="thumbs">${[5, 1].map((v) => `<input type="radio" id="r${v}" name="rating" value="${v}" required${view.rating === v ? ' checked' : ''}><label for="r${v}">${v === 5 ? '👍' : '👎'} ${esc(v === 5 ? t.up : t.down)}</label>`).join('')}</div>`
          : `<div class="stars">${[5, 4, 3, 2, 1].map((v) => `<input type="radio" id="r${v}" name="rating" value="${v}" required${view.rating === v ? ' checked' : ''}><label for="r${v}" title="${esc(t.stars[v - 1])}"><span aria-hidden="true">★</span><span style="position:absolute;left:-9999px">${v} – ${esc(t.stars[v - 1])}</span></label>`).join('')}</div>`;
      main = `${current}<form method="post" action="/csat/${esc(token)}">
<fieldset><legend>${esc(view.question)}</legend>${choices}</fieldset>
<label for="comment">${esc(t.comment)}</label><textarea id="comment" name="comment" maxlength="2000">${esc(view.comment ?? '')}</textarea>
<button type="submit">${esc(view.rating !== null ? t.change : t.submit)}</button></form>`;
    }
  }
  const banner = notice ? `<p class="${notice.kind === 'thanks' ? 'note' : 'error'}" role="status">${esc(notice.text)}</p>` : '';
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(t.title)}</title><style>${STYLE}</style></head>
<body><main><h1>${esc(t.title)}</h1>${banner}${main}</main></body></html>`;
}

/** The language of a page without a survey (a forged link): the browser's first supported choice. */
function localeOfRequest(req: Request): CsatLocale {
  const accepted = String(req.headers['accept-language'] ?? '')
    .toLowerCase()
    .split(',')
    .map((p) => p.trim().slice(0, 2));
  return (accepted.find((l) => l in STRINGS) as CsatLocale | undefined) ?? 'en';
}

/**
 * The public rating page `/csat/:token`: server-rendered in the customer's language, no login,
 * no script (a plain form POST, so the strict CSP holds and it works in any mail client's
 * browser), rate-limited per address. Mounted on the raw adapter: it lives outside /api/v1.
 */
@Injectable()
export class CsatPage implements OnModuleInit {
  private readonly logger = new Logger(CsatPage.name);
  private readonly perIp: Limiter;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly csat: CsatService,
    limits: RateLimits,
  ) {
    this.perIp = limits.bursty('csat_page_ip', { points: 5, durationSeconds: 1 }, { points: 60, durationSeconds: 60 });
  }

  onModuleInit(): void {
    const app = this.adapterHost.httpAdapter.getInstance<Express>();
    const wrap = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);
    app.get(
      '/csat/:token',
      wrap((req, res) => this.show(req, res)),
    );
    app.post(
      '/csat/:token',
      wrap((req, res) => this.submit(req, res)),
    );
  }

  private send(res: Response, status: number, html: string): void {
    res
      .status(status)
      .set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' })
      .send(html);
  }

  private async viewOf(token: string): Promise<SurveyView | null> {
    try {
      return await this.csat.view(token);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  private async limited(req: Request, res: Response): Promise<boolean> {
    try {
      await this.perIp.take(req.ip ?? 'unknown', 'too many attempts');
      return false;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      this.send(res, 429, renderCsatPage(localeOfRequest(req), null, '', { kind: 'error', text: STRINGS[localeOfRequest(req)].tooMany }));
      return true;
    }
  }

  private async show(req: Request, res: Response): Promise<void> {
    if (await this.limited(req, res)) return;
    const token = String(req.params.token);
    const view = await this.viewOf(token);
    this.send(res, view ? 200 : 404, renderCsatPage(view?.locale ?? localeOfRequest(req), view, token, null));
  }

  private async submit(req: Request, res: Response): Promise<void> {
    if (await this.limited(req, res)) return;
    const token = String(req.params.token);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const before = await this.viewOf(token);
    if (!before) return this.send(res, 404, renderCsatPage(localeOfRequest(req), null, token, null));
    const t = STRINGS[before.locale];
    try {
      await this.csat.rate(token, body.rating, body.comment);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const status = err.code === 'VALIDATION_FAILED' ? 400 : err.code === 'INVALID_STATE' ? 409 : 404;
      return this.send(res, status, renderCsatPage(before.locale, await this.viewOf(token), token, { kind: 'error', text: err.code === 'VALIDATION_FAILED' ? t.pick : t.closed }));
    }
    this.send(res, 200, renderCsatPage(before.locale, await this.viewOf(token), token, { kind: 'thanks', text: t.thanks }));
  }
}
