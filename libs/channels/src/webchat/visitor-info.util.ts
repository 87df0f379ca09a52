import Bowser from 'bowser';
import type { VisitorInfo } from '@inbox/realtime-contract';

const MAX_URL = 2000;
const MAX_TITLE = 200;

/** An absolute http(s) URL, or null: anything else (javascript:, data:, garbage) would be a link an agent clicks. */
export function httpUrlOrNull(v: unknown): string | null {
  if (typeof v !== 'string' || !v || v.length > MAX_URL) return null;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** An IANA time zone the runtime knows, or null. */
export function timeZoneOrNull(v: unknown): string | null {
  if (typeof v !== 'string' || !/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(v)) return null;
  try {
    // Kept as the browser named it (ICU may canonicalise Europe/Kyiv to Europe/Kiev): the web app formats with it again.
    new Intl.DateTimeFormat('en', { timeZone: v });
    return v;
  } catch {
    return null;
  }
}

const text = (v: unknown, max: number): string | null => {
  if (typeof v !== 'string') return null;
  // Control characters are never part of a title; they would only garble the panel.
  const clean = v.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return clean ? clean.slice(0, max) : null;
};

/**
 * What the agent sees of a visitor's browser: the User-Agent parsed here (the widget's own claims
 * about the browser are not asked for), the page hints checked one by one. A hint that does not
 * check out is dropped rather than failing the chat: they are display-only.
 */
export function visitorInfoFrom(hints: unknown, userAgent: string | undefined, now: Date): VisitorInfo {
  const h = (hints && typeof hints === 'object' && !Array.isArray(hints) ? hints : {}) as Record<string, unknown>;
  const ua = typeof userAgent === 'string' && userAgent.length <= 1000 ? userAgent : '';
  const parsed = ua ? Bowser.parse(ua) : null;
  const offset = h.utcOffsetMinutes;
  return {
    browser: text(parsed?.browser.name, 60),
    browserVersion: text(parsed?.browser.version, 30),
    os: text(parsed?.os.name, 60),
    osVersion: text(parsed?.os.versionName ?? parsed?.os.version, 30),
    device: text(parsed?.platform.type, 20),
    pageUrl: httpUrlOrNull(h.pageUrl),
    pageTitle: text(h.pageTitle, MAX_TITLE),
    referrer: httpUrlOrNull(h.referrer),
    timeZone: timeZoneOrNull(h.timeZone),
    utcOffsetMinutes: typeof offset === 'number' && Number.isInteger(offset) && Math.abs(offset) <= 14 * 60 ? offset : null,
    seenAt: now.toISOString(),
  };
}
