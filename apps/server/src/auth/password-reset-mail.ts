/** The languages the reset mail speaks (the UI's five); anything else gets English. */
export const RESET_MAIL_LOCALES = ['en', 'fr', 'it', 'es', 'uk'] as const;
export type ResetMailLocale = (typeof RESET_MAIL_LOCALES)[number];

export function resetMailLocaleOf(tag: string | null | undefined): ResetMailLocale {
  const base = tag?.toLowerCase().split(/[-_]/)[0];
  return (RESET_MAIL_LOCALES as readonly string[]).includes(base ?? '') ? (base as ResetMailLocale) : 'en';
}

interface Texts {
  subject: string;
  greeting: (name: string) => string;
  body: string;
  expiry: string;
  ignore: string;
}

const TEXTS: Record<ResetMailLocale, Texts> = {
  en: {
    subject: 'Reset your password',
    greeting: (name) => `Hello ${name},`,
    body: 'Someone asked to reset the password of your account. To choose a new password, open this link:',
    expiry: 'The link works once and expires in one hour.',
    ignore: 'If you did not ask for this, ignore this mail: your password stays as it is.',
  },
  fr: {
    subject: 'Réinitialisez votre mot de passe',
    greeting: (name) => `Bonjour ${name},`,
    body: 'Une réinitialisation du mot de passe de votre compte a été demandée. Pour choisir un nouveau mot de passe, ouvrez ce lien :',
    expiry: 'Le lien ne fonctionne qu’une fois et expire dans une heure.',
    ignore: 'Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.',
  },
  it: {
    subject: 'Reimposta la tua password',
    greeting: (name) => `Ciao ${name},`,
    body: 'È stata chiesta la reimpostazione della password del tuo account. Per scegliere una nuova password, apri questo link:',
    expiry: 'Il link funziona una sola volta e scade tra un’ora.',
    ignore: 'Se non sei stato tu a chiederlo, ignora questa email: la tua password resta invariata.',
  },
  es: {
    subject: 'Restablece tu contraseña',
    greeting: (name) => `Hola, ${name}:`,
    body: 'Alguien ha pedido restablecer la contraseña de tu cuenta. Para elegir una contraseña nueva, abre este enlace:',
    expiry: 'El enlace funciona una sola vez y caduca en una hora.',
    ignore: 'Si no lo has pedido tú, ignora este correo: tu contraseña no cambia.',
  },
  uk: {
    subject: 'Скидання пароля',
    greeting: (name) => `Вітаємо, ${name}!`,
    body: 'Хтось попросив скинути пароль вашого облікового запису. Щоб вибрати новий пароль, відкрийте це посилання:',
    expiry: 'Посилання спрацює один раз і діє одну годину.',
    ignore: 'Якщо ви цього не робили, просто проігноруйте цей лист: ваш пароль не зміниться.',
  },
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The reset mail in the user's language: plain text and a small HTML twin with the same words. */
export function passwordResetMail(locale: ResetMailLocale, name: string, link: string): { subject: string; text: string; html: string } {
  const t = TEXTS[locale];
  const paragraphs = [t.greeting(name), t.body, link, t.expiry, t.ignore];
  return {
    subject: t.subject,
    text: paragraphs.join('\n\n') + '\n',
    html: paragraphs.map((p) => (p === link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` : `<p>${escapeHtml(p)}</p>`)).join('\n'),
  };
}
