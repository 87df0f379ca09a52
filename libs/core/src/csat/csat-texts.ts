/** The languages surveys and the rating page speak (the UI's five). */
export const CSAT_LOCALES = ['en', 'fr', 'it', 'es', 'uk'] as const;
export type CsatLocale = (typeof CSAT_LOCALES)[number];
export type CsatScale = 'stars' | 'thumbs';

export const isCsatLocale = (l: unknown): l is CsatLocale => typeof l === 'string' && (CSAT_LOCALES as readonly string[]).includes(l);

/** The customer's language from a conversation or contact language tag (`fr-CA` → fr), English otherwise. */
export function csatLocaleOf(...tags: Array<string | null | undefined>): CsatLocale {
  for (const tag of tags) {
    const base = tag?.toLowerCase().split(/[-_]/)[0];
    if (isCsatLocale(base)) return base;
  }
  return 'en';
}

export const DEFAULT_QUESTIONS: Record<CsatLocale, string> = {
  en: 'How would you rate the help you received?',
  fr: "Comment évalueriez-vous l'aide que vous avez reçue ?",
  it: "Come valuteresti l'assistenza che hai ricevuto?",
  es: '¿Cómo valorarías la ayuda que recibiste?',
  uk: 'Як би ви оцінили отриману допомогу?',
};

const LINK_LABEL: Record<CsatLocale, string> = {
  en: 'Rate us here',
  fr: 'Donnez votre avis ici',
  it: 'Lascia la tua valutazione qui',
  es: 'Valóranos aquí',
  uk: 'Оцініть нас тут',
};

/** Chat channels, where the customer can answer the survey by replying (the reply is read as the rating). */
export const REPLY_CHANNELS: ReadonlySet<string> = new Set(['slack', 'telegram', 'whatsapp', 'messenger', 'instagram', 'x']);

const REPLY_HINT: Record<CsatScale, Record<CsatLocale, string>> = {
  stars: {
    en: 'Or simply reply with a number from 1 to 5.',
    fr: 'Ou répondez simplement par un chiffre de 1 à 5.',
    it: 'Oppure rispondi semplicemente con un numero da 1 a 5.',
    es: 'O simplemente responde con un número del 1 al 5.',
    uk: 'Або просто надішліть у відповідь число від 1 до 5.',
  },
  thumbs: {
    en: 'Or simply reply 👍 or 👎.',
    fr: 'Ou répondez simplement 👍 ou 👎.',
    it: 'Oppure rispondi semplicemente 👍 o 👎.',
    es: 'O simplemente responde 👍 o 👎.',
    uk: 'Або просто надішліть у відповідь 👍 чи 👎.',
  },
};

/**
 * The survey as a plain message: web chat shows the question with stars under it (the widget
 * reads the survey from the message), every other channel gets the question and the link to
 * the rating page, and chat channels also the invitation to answer by replying.
 */
export function surveyMessageText(channel: string, locale: CsatLocale, question: string, url: string, scale: CsatScale): string {
  if (channel === 'webchat') return question;
  const text = `${question}\n\n${LINK_LABEL[locale]}: ${url}`;
  return REPLY_CHANNELS.has(channel) ? `${text}\n${REPLY_HINT[scale][locale]}` : text;
}

/**
 * The answers a chat adapter may offer as buttons under a survey message (null: the message is
 * no survey). Each label, sent back as the customer's text, reads as that rating.
 */
export function surveyReplyOptions(metadata: Record<string, unknown> | null | undefined): string[] | null {
  const csat = metadata?.csat as { scale?: unknown } | undefined;
  if (!csat || typeof csat !== 'object') return null;
  return csat.scale === 'thumbs' ? ['👍', '👎'] : ['1', '2', '3', '4', '5'];
}

const PICKER_LABEL: Record<CsatLocale, string> = { en: 'Rate', fr: 'Noter', it: 'Valuta', es: 'Valorar', uk: 'Оцінити' };

/** The label of the control that opens a survey's answers, where a channel shows them as a list (WhatsApp), in the survey's language. */
export function surveyPickerLabel(metadata: Record<string, unknown> | null | undefined): string {
  const locale = (metadata?.csat as { locale?: unknown } | undefined)?.locale;
  return PICKER_LABEL[isCsatLocale(locale) ? locale : 'en'];
}

/** Rating 1-5 as the timeline shows it. */
export function ratingLabel(scale: CsatScale, rating: number): string {
  if (scale === 'thumbs') return rating >= 4 ? 'thumbs up' : 'thumbs down';
  return `${rating}/5`;
}
