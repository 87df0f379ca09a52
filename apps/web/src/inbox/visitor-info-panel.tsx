import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { VisitorInfo } from '../api/types';

/** The visitor's wall clock: in their IANA zone when known, else from the UTC offset the widget sent. */
export function visitorLocalTime(lng: string, v: Pick<VisitorInfo, 'timeZone' | 'utcOffsetMinutes'>, now: number): string | null {
  if (v.timeZone) {
    try {
      return new Intl.DateTimeFormat(lng, { timeStyle: 'short', timeZone: v.timeZone }).format(now);
    } catch {
      /* a zone this browser does not know: fall back on the offset */
    }
  }
  if (typeof v.utcOffsetMinutes === 'number') return new Intl.DateTimeFormat(lng, { timeStyle: 'short', timeZone: 'UTC' }).format(now + v.utcOffsetMinutes * 60_000);
  return null;
}

/** "+02:00" for 120, "-05:30" for -330. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A clock that moves on by itself (every 15 s: the display has minutes). */
function useNow(intervalMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

const linkText = (url: string) => {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return url;
  }
};

/** Browser, system, page, referrer and local time of a web chat visitor, in the contact panel. */
export function VisitorInfoPanel({ visitor }: { visitor: VisitorInfo | null | undefined }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  if (!visitor) return null;
  const lng = i18n.resolvedLanguage ?? i18n.language ?? 'en';
  const local = visitorLocalTime(lng, visitor, now);
  const join = (...parts: Array<string | null>) => parts.filter(Boolean).join(' ');
  // Only http(s) links (the server keeps no other): never a javascript: link in an agent's screen.
  const safe = (u: string | null) => (u && /^https?:\/\//i.test(u) ? u : null);
  const page = safe(visitor.pageUrl);
  const referrer = safe(visitor.referrer);
  return (
    <>
      <h4>{t('visitor.section')}</h4>
      <dl className="kv small" data-testid="visitor-info">
        {visitor.browser && (
          <>
            <dt>{t('visitor.browser')}</dt>
            <dd data-testid="visitor-browser">{join(visitor.browser, visitor.browserVersion?.split('.')[0] ?? null)}</dd>
          </>
        )}
        {visitor.os && (
          <>
            <dt>{t('visitor.os')}</dt>
            <dd data-testid="visitor-os">{join(visitor.os, visitor.osVersion)}</dd>
          </>
        )}
        {page && (
          <>
            <dt>{t('visitor.page')}</dt>
            <dd className="ellipsis">
              <a href={page} target="_blank" rel="noopener noreferrer" title={visitor.pageTitle ?? page} data-testid="visitor-page">
                {visitor.pageTitle || linkText(page)}
              </a>
            </dd>
          </>
        )}
        {referrer && (
          <>
            <dt>{t('visitor.referrer')}</dt>
            <dd className="ellipsis">
              <a href={referrer} target="_blank" rel="noopener noreferrer" title={referrer} data-testid="visitor-referrer">
                {linkText(referrer)}
              </a>
            </dd>
          </>
        )}
        {local && (
          <>
            <dt>{t('visitor.localTime')}</dt>
            <dd data-testid="visitor-local-time">
              {local} <span className="muted">({visitor.timeZone ?? t('visitor.offset', { offset: formatOffset(visitor.utcOffsetMinutes ?? 0) })})</span>
            </dd>
          </>
        )}
      </dl>
    </>
  );
}
