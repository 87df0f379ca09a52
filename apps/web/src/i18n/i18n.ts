import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import { en, type Resources } from './locales/en';
import { fr } from './locales/fr';
import { it } from './locales/it';
import { es } from './locales/es';
import { uk } from './locales/uk';

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'Français' },
  { code: 'it', name: 'Italiano' },
  { code: 'es', name: 'Español' },
  { code: 'uk', name: 'Українська' },
] as const;

export const RESOURCES: Record<string, Resources> = { en, fr, it, es, uk };

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Resources };
  }
}

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: Object.fromEntries(Object.entries(RESOURCES).map(([k, v]) => [k, { translation: v }])),
    supportedLngs: LANGUAGES.map((l) => l.code),
    nonExplicitSupportedLngs: true,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    detection: { order: ['localStorage', 'navigator'], caches: ['localStorage'] },
    returnNull: false,
  });

// The detected language is applied during init, before any listener could see the change.
const setDocumentLanguage = () => {
  if (typeof document !== 'undefined') document.documentElement.lang = i18n.resolvedLanguage ?? i18n.language;
};
i18n.on('languageChanged', setDocumentLanguage);
i18n.on('initialized', setDocumentLanguage);
setDocumentLanguage();

export default i18n;
