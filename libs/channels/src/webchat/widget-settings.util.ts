import { validateBusinessHours, type BusinessHours } from '@inbox/business-hours';

export const WIDGET_LOCALES = ['en', 'fr', 'it', 'es', 'uk'] as const;
export type WidgetLocale = (typeof WIDGET_LOCALES)[number];

export interface WidgetSettings {
  websiteToken: string;
  allowedOrigins: string[];
  color: string;
  textColor: string;
  title: string | null;
  greeting: string | null;
  offlineMessage: string | null;
  position: 'right' | 'left';
  locale: WidgetLocale | null;
  preChatForm: { enabled: boolean; requireEmail: boolean; requireName: boolean };
  businessHours: BusinessHours | null;
  /** An email inbox whose channel carries later replies to visitors who left an address. */
  emailInboxId: string | null;
}

export type FieldErrors = Record<string, string[]>;

const HEX_COLOR = /^#[0-9a-f]{6}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An origin is scheme://host[:port] exactly as browsers send it, or "*" for any site. */
export function normaliseOrigin(value: string): string | null {
  if (value === '*') return '*';
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.pathname !== '/' || u.search || u.hash || u.username) return null;
    return u.origin;
  } catch {
    return null;
  }
}

export function isOriginAllowed(allowed: readonly string[], origin: string | undefined | null): boolean {
  if (allowed.includes('*')) return true;
  if (!origin) return false;
  const o = normaliseOrigin(origin);
  return o !== null && o !== '*' && allowed.includes(o);
}

const text = (v: unknown, max: number): string | null => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : null);

/** Validates the webchat part of an inbox create request; returns the settings or the field errors. */
export function parseWidgetSettings(input: { allowedOrigins?: unknown; widget?: unknown }, websiteToken: string): { settings: WidgetSettings } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const add = (field: string, msg: string) => (errors[field] ??= []).push(msg);
  const origins: string[] = [];
  if (!Array.isArray(input.allowedOrigins) || input.allowedOrigins.length === 0) {
    add('allowedOrigins', 'list the website origins that may embed the widget, e.g. ["https://www.example.com"] ("*" allows any site)');
  } else if (input.allowedOrigins.length > 50) {
    add('allowedOrigins', 'at most 50 origins');
  } else {
    for (const o of input.allowedOrigins) {
      const n = typeof o === 'string' ? normaliseOrigin(o.trim()) : null;
      if (!n) add('allowedOrigins', `"${String(o)}" is not an origin like https://www.example.com`);
      else if (!origins.includes(n)) origins.push(n);
    }
  }
  const w = (input.widget ?? {}) as Record<string, unknown>;
  if (typeof w !== 'object' || Array.isArray(w)) add('widget', 'must be an object');
  const color = w.color ?? '#1f6feb';
  if (typeof color !== 'string' || !HEX_COLOR.test(color)) add('widget.color', 'must be a colour like #1f6feb');
  const textColor = w.textColor ?? '#ffffff';
  if (typeof textColor !== 'string' || !HEX_COLOR.test(textColor)) add('widget.textColor', 'must be a colour like #ffffff');
  const position = w.position ?? 'right';
  if (position !== 'right' && position !== 'left') add('widget.position', 'must be "right" or "left"');
  const locale = w.locale ?? null;
  if (locale !== null && !WIDGET_LOCALES.includes(locale as WidgetLocale)) add('widget.locale', `must be one of ${WIDGET_LOCALES.join(', ')}`);
  const pre = (w.preChatForm ?? {}) as Record<string, unknown>;
  if (typeof pre !== 'object') add('widget.preChatForm', 'must be an object {enabled, requireName, requireEmail}');
  let businessHours: BusinessHours | null = null;
  if (w.businessHours !== undefined && w.businessHours !== null) {
    const bh = w.businessHours as BusinessHours;
    if (typeof bh !== 'object' || typeof bh.timezone !== 'string' || typeof bh.days !== 'object' || bh.days === null) {
      add('widget.businessHours', 'must be {timezone, days: {"1": [{"open":"09:00","close":"17:00"}], ...}}');
    } else {
      const check = validateBusinessHours(bh);
      if (!check.ok) add('widget.businessHours', check.message);
      else businessHours = { timezone: bh.timezone, days: bh.days };
    }
  }
  const emailInboxId = w.emailInboxId ?? null;
  if (emailInboxId !== null && (typeof emailInboxId !== 'string' || !UUID.test(emailInboxId))) add('widget.emailInboxId', 'must be the id of an email inbox');
  if (Object.keys(errors).length) return { errors };
  return {
    settings: {
      websiteToken,
      allowedOrigins: origins,
      color: color as string,
      textColor: textColor as string,
      title: text(w.title, 80),
      greeting: text(w.greeting, 500),
      offlineMessage: text(w.offlineMessage, 500),
      position: position as 'right' | 'left',
      locale: locale as WidgetLocale | null,
      preChatForm: { enabled: pre.enabled === true, requireName: pre.requireName === true, requireEmail: pre.requireEmail === true },
      businessHours,
      emailInboxId: emailInboxId as string | null,
    },
  };
}
