import type { WidgetLocaleName } from '../../../libs/realtime-contract/src/widget';

const en = {
  open: 'Open chat',
  close: 'Close chat',
  title: 'Chat with us',
  greeting: 'Hi! How can we help?',
  online: 'We are online',
  offline: 'We are away right now',
  offlineAsk: 'Leave your email and we will reply there.',
  name: 'Your name',
  email: 'Your email',
  save: 'Save',
  start: 'Start chat',
  prechat: 'Tell us who you are before we start.',
  placeholder: 'Type your message…',
  send: 'Send',
  attach: 'Attach a file',
  typing: '{name} is typing…',
  someone: 'Someone',
  sending: 'Sending…',
  sent: 'Sent',
  read: 'Read',
  failed: 'Not sent',
  tooLarge: 'The file is too large (max {mb} MB).',
  unavailable: 'Chat is not available on this website.',
  reconnecting: 'Reconnecting…',
  emailSaved: 'Thanks! We will reply to {email}.',
  badEmail: 'Please enter a valid email.',
  messages: 'Messages',
};
export type Texts = typeof en;

const fr: Texts = {
  open: 'Ouvrir le chat',
  close: 'Fermer le chat',
  title: 'Discutons',
  greeting: 'Bonjour ! Comment pouvons-nous vous aider ?',
  online: 'Nous sommes en ligne',
  offline: 'Nous sommes absents pour le moment',
  offlineAsk: 'Laissez votre e-mail et nous vous répondrons.',
  name: 'Votre nom',
  email: 'Votre e-mail',
  save: 'Enregistrer',
  start: 'Commencer',
  prechat: 'Présentez-vous avant de commencer.',
  placeholder: 'Écrivez votre message…',
  send: 'Envoyer',
  attach: 'Joindre un fichier',
  typing: '{name} écrit…',
  someone: 'Quelqu’un',
  sending: 'Envoi…',
  sent: 'Envoyé',
  read: 'Lu',
  failed: 'Non envoyé',
  tooLarge: 'Le fichier est trop volumineux (max {mb} Mo).',
  unavailable: 'Le chat n’est pas disponible sur ce site.',
  reconnecting: 'Reconnexion…',
  emailSaved: 'Merci ! Nous répondrons à {email}.',
  badEmail: 'Saisissez une adresse e-mail valide.',
  messages: 'Messages',
};

const it: Texts = {
  open: 'Apri la chat',
  close: 'Chiudi la chat',
  title: 'Scrivici',
  greeting: 'Ciao! Come possiamo aiutarti?',
  online: 'Siamo online',
  offline: 'Al momento non siamo disponibili',
  offlineAsk: 'Lascia la tua email e ti risponderemo lì.',
  name: 'Il tuo nome',
  email: 'La tua email',
  save: 'Salva',
  start: 'Inizia la chat',
  prechat: 'Dicci chi sei prima di iniziare.',
  placeholder: 'Scrivi un messaggio…',
  send: 'Invia',
  attach: 'Allega un file',
  typing: '{name} sta scrivendo…',
  someone: 'Qualcuno',
  sending: 'Invio…',
  sent: 'Inviato',
  read: 'Letto',
  failed: 'Non inviato',
  tooLarge: 'Il file è troppo grande (max {mb} MB).',
  unavailable: 'La chat non è disponibile su questo sito.',
  reconnecting: 'Riconnessione…',
  emailSaved: 'Grazie! Risponderemo a {email}.',
  badEmail: 'Inserisci un’email valida.',
  messages: 'Messaggi',
};

const es: Texts = {
  open: 'Abrir chat',
  close: 'Cerrar chat',
  title: 'Chatea con nosotros',
  greeting: '¡Hola! ¿En qué podemos ayudarte?',
  online: 'Estamos en línea',
  offline: 'Ahora mismo no estamos disponibles',
  offlineAsk: 'Déjanos tu correo y te responderemos allí.',
  name: 'Tu nombre',
  email: 'Tu correo',
  save: 'Guardar',
  start: 'Empezar',
  prechat: 'Cuéntanos quién eres antes de empezar.',
  placeholder: 'Escribe tu mensaje…',
  send: 'Enviar',
  attach: 'Adjuntar un archivo',
  typing: '{name} está escribiendo…',
  someone: 'Alguien',
  sending: 'Enviando…',
  sent: 'Enviado',
  read: 'Leído',
  failed: 'No enviado',
  tooLarge: 'El archivo es demasiado grande (máx. {mb} MB).',
  unavailable: 'El chat no está disponible en este sitio.',
  reconnecting: 'Reconectando…',
  emailSaved: '¡Gracias! Responderemos a {email}.',
  badEmail: 'Introduce un correo válido.',
  messages: 'Mensajes',
};

const uk: Texts = {
  open: 'Відкрити чат',
  close: 'Закрити чат',
  title: 'Напишіть нам',
  greeting: 'Вітаємо! Чим можемо допомогти?',
  online: 'Ми онлайн',
  offline: 'Зараз ми не на зв’язку',
  offlineAsk: 'Залиште email, і ми відповімо туди.',
  name: 'Ваше ім’я',
  email: 'Ваш email',
  save: 'Зберегти',
  start: 'Почати чат',
  prechat: 'Розкажіть, хто ви, перш ніж почати.',
  placeholder: 'Напишіть повідомлення…',
  send: 'Надіслати',
  attach: 'Додати файл',
  typing: '{name} друкує…',
  someone: 'Хтось',
  sending: 'Надсилання…',
  sent: 'Надіслано',
  read: 'Прочитано',
  failed: 'Не надіслано',
  tooLarge: 'Файл завеликий (макс. {mb} МБ).',
  unavailable: 'Чат недоступний на цьому сайті.',
  reconnecting: 'Повторне з’єднання…',
  emailSaved: 'Дякуємо! Ми відповімо на {email}.',
  badEmail: 'Введіть коректний email.',
  messages: 'Повідомлення',
};

const ALL: Record<WidgetLocaleName, Texts> = { en, fr, it, es, uk };

/** Host override first, then the browser's preferred languages, then English. */
export function pickLocale(override: string | null | undefined, browser: readonly string[]): WidgetLocaleName {
  for (const tag of [override, ...browser]) {
    const base = (tag ?? '').toLowerCase().split(/[-_]/)[0];
    if (base in ALL) return base as WidgetLocaleName;
  }
  return 'en';
}

export function texts(locale: WidgetLocaleName): Texts {
  return ALL[locale];
}

export function fill(s: string, vars: Record<string, string | number>): string {
  return s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}
