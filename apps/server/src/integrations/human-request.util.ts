/**
 * Whether a customer's message asks for a person, in the five languages of the app. Only short
 * messages count ("agent", "I want a human please", "parler à un conseiller"): a long message
 * that happens to mention an agent is a question for the bot, not a request.
 */
const PHRASES: Record<string, string[]> = {
  en: ['agent', 'human', 'a person', 'real person', 'operator', 'representative', 'someone real', 'talk to someone', 'speak to someone'],
  fr: ['agent', 'humain', 'conseiller', 'conseillere', 'une personne', 'operateur', 'operatrice', 'quelqu un'],
  it: ['agente', 'umano', 'operatore', 'operatrice', 'una persona', 'persona reale'],
  es: ['agente', 'humano', 'operador', 'operadora', 'una persona', 'persona real', 'asesor'],
  uk: ['оператор', 'оператора', 'агента', 'консультанта', 'людина', 'людину', 'людиною', 'агент', 'консультант', 'жива людина', 'живу людину'],
};

const MAX_WORDS = 8;

export function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '') // accents (é → e); Cyrillic й keeps its letter, which is all matching needs
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function asksForHuman(text: string, language?: string | null): boolean {
  const words = normalise(text);
  if (!words || words.split(' ').length > MAX_WORDS) return false;
  const lang = language?.slice(0, 2).toLowerCase();
  // The contact's language first, but any of the five: customers switch to English for "agent".
  const lists = lang && PHRASES[lang] ? [PHRASES[lang], ...Object.values(PHRASES)] : Object.values(PHRASES);
  const padded = ` ${words} `;
  return lists.some((list) => list.some((p) => padded.includes(` ${normalise(p)} `)));
}
