import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Inbox } from '../../api/types';
import { LANGUAGES } from '../../i18n/i18n';
import { parseOrigins } from '../../lib/inbox-forms';
import { CopyBlock } from './copy-block';
import { ChatBubble } from '../../inbox/chat-bubble';
import './inbox-forms.css';

type Range = { open: string; close: string };

export interface WebchatForm {
  origins: string;
  color: string;
  textColor: string;
  title: string;
  greeting: string;
  offlineMessage: string;
  position: 'right' | 'left';
  locale: string;
  preChat: boolean;
  requireName: boolean;
  requireEmail: boolean;
  hoursOn: boolean;
  timezone: string;
  /** Weekday 0 (Sunday) … 6 → opening hours, null when closed. */
  days: Record<number, Range | null>;
}

const WORKDAY: Range = { open: '09:00', close: '17:00' };
const WEEK = [1, 2, 3, 4, 5, 6, 0];

export function initialWebchat(): WebchatForm {
  return {
    origins: '',
    color: '#1f6feb',
    textColor: '#ffffff',
    title: '',
    greeting: '',
    offlineMessage: '',
    position: 'right',
    locale: '',
    preChat: false,
    requireName: false,
    requireEmail: false,
    hoursOn: false,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    days: { 0: null, 1: WORKDAY, 2: WORKDAY, 3: WORKDAY, 4: WORKDAY, 5: WORKDAY, 6: null },
  };
}

type StoredSettings = {
  allowedOrigins?: string[];
  color?: string;
  textColor?: string;
  title?: string | null;
  greeting?: string | null;
  offlineMessage?: string | null;
  position?: 'right' | 'left';
  locale?: string | null;
  preChatForm?: { enabled?: boolean; requireName?: boolean; requireEmail?: boolean };
  businessHours?: { timezone: string; days: Record<string, Range[]> } | null;
};

/** The form of an existing web chat inbox, from the settings the server returns. */
export function webchatFromSettings(raw: Record<string, unknown> | undefined): WebchatForm {
  const s = (raw ?? {}) as StoredSettings;
  const base = initialWebchat();
  const days = { ...base.days };
  if (s.businessHours) for (const d of WEEK) days[d] = s.businessHours.days[String(d)]?.[0] ?? null;
  return {
    origins: (s.allowedOrigins ?? []).join('\n'),
    color: s.color ?? base.color,
    textColor: s.textColor ?? base.textColor,
    title: s.title ?? '',
    greeting: s.greeting ?? '',
    offlineMessage: s.offlineMessage ?? '',
    position: s.position ?? 'right',
    locale: s.locale ?? '',
    preChat: s.preChatForm?.enabled === true,
    requireName: s.preChatForm?.requireName === true,
    requireEmail: s.preChatForm?.requireEmail === true,
    hoursOn: Boolean(s.businessHours),
    timezone: s.businessHours?.timezone ?? base.timezone,
    days,
  };
}

/** The POST /inboxes (and PATCH) fields of a web chat inbox, as the server's widget settings validate them. */
export function webchatBody(f: WebchatForm): Record<string, unknown> {
  const days: Record<string, Range[]> = {};
  for (const d of WEEK) days[d] = f.days[d] ? [f.days[d]!] : [];
  return {
    allowedOrigins: parseOrigins(f.origins).origins,
    widget: {
      color: f.color,
      textColor: f.textColor,
      // null, not absent: on an edit an emptied field must clear, not keep its old value.
      title: f.title.trim() || null,
      greeting: f.greeting.trim() || null,
      offlineMessage: f.offlineMessage.trim() || null,
      position: f.position,
      locale: f.locale || null,
      preChatForm: { enabled: f.preChat, requireName: f.preChat && f.requireName, requireEmail: f.preChat && f.requireEmail },
      businessHours: f.hoursOn ? { timezone: f.timezone, days } : null,
    },
  };
}

/** Whether the form may be sent: at least one origin and none the server would refuse. */
export function webchatReady(f: WebchatForm): boolean {
  const { origins, invalid } = parseOrigins(f.origins);
  return origins.length > 0 && invalid.length === 0;
}

function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {hint && <small className="muted">{hint}</small>}
    </label>
  );
}

export function WebchatFields({ value: f, onChange }: { value: WebchatForm; onChange(f: WebchatForm): void }) {
  const { t } = useTranslation();
  const set = <K extends keyof WebchatForm>(k: K, v: WebchatForm[K]) => onChange({ ...f, [k]: v });
  const { invalid } = parseOrigins(f.origins);
  return (
    <fieldset className="inbox-kind-form" data-testid="webchat-form">
      <legend>{t('channel.webchat')}</legend>
      <Field label={t('inboxForms.webchat.origins')} hint={t('inboxForms.webchat.originsHint')}>
        <textarea name="webchat-origins" rows={2} value={f.origins} onChange={(e) => set('origins', e.target.value)} required placeholder="https://www.example.com" />
      </Field>
      {invalid.length > 0 && (
        <div className="error small" role="alert" data-testid="webchat-origins-invalid">
          {t('inboxForms.webchat.originsInvalid', { list: invalid.join(', ') })}
        </div>
      )}
      <div className="inbox-kind-row">
        <Field label={t('inboxForms.webchat.color')}>
          <input type="color" name="webchat-color" value={f.color} onChange={(e) => set('color', e.target.value)} />
        </Field>
        <Field label={t('inboxForms.webchat.textColor')}>
          <input type="color" name="webchat-text-color" value={f.textColor} onChange={(e) => set('textColor', e.target.value)} />
        </Field>
        <Field label={t('inboxForms.webchat.position')}>
          <select name="webchat-position" value={f.position} onChange={(e) => set('position', e.target.value as 'right' | 'left')}>
            <option value="right">{t('inboxForms.webchat.right')}</option>
            <option value="left">{t('inboxForms.webchat.left')}</option>
          </select>
        </Field>
        <Field label={t('inboxForms.webchat.locale')}>
          <select name="webchat-locale" value={f.locale} onChange={(e) => set('locale', e.target.value)}>
            <option value="">{t('inboxForms.webchat.browserLocale')}</option>
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field label={t('inboxForms.webchat.title')}>
        <input name="webchat-title" maxLength={80} value={f.title} onChange={(e) => set('title', e.target.value)} />
      </Field>
      <Field label={t('inboxForms.webchat.greeting')}>
        <textarea name="webchat-greeting" rows={2} maxLength={500} value={f.greeting} onChange={(e) => set('greeting', e.target.value)} />
      </Field>
      <Field label={t('inboxForms.webchat.offlineMessage')}>
        <textarea name="webchat-offline" rows={2} maxLength={500} value={f.offlineMessage} onChange={(e) => set('offlineMessage', e.target.value)} />
      </Field>
      <div className="inbox-kind-row">
        <label className="check">
          <input type="checkbox" name="webchat-prechat" checked={f.preChat} onChange={(e) => set('preChat', e.target.checked)} /> {t('inboxForms.webchat.preChat')}
        </label>
        {f.preChat && (
          <>
            <label className="check">
              <input type="checkbox" name="webchat-require-name" checked={f.requireName} onChange={(e) => set('requireName', e.target.checked)} />{' '}
              {t('inboxForms.webchat.requireName')}
            </label>
            <label className="check">
              <input type="checkbox" name="webchat-require-email" checked={f.requireEmail} onChange={(e) => set('requireEmail', e.target.checked)} />{' '}
              {t('inboxForms.webchat.requireEmail')}
            </label>
          </>
        )}
      </div>
      <label className="check">
        <input type="checkbox" name="webchat-hours" checked={f.hoursOn} onChange={(e) => set('hoursOn', e.target.checked)} /> {t('inboxForms.webchat.hours')}
      </label>
      {f.hoursOn && (
        <div className="inbox-kind-hours">
          <Field label={t('admin.timezone')}>
            <input name="webchat-timezone" value={f.timezone} onChange={(e) => set('timezone', e.target.value)} />
          </Field>
          {WEEK.map((d) => {
            const r = f.days[d];
            return (
              <div key={d} className="inbox-kind-row">
                <span className="day">{t(`admin.days.d${d}` as 'admin.days.d0')}</span>
                <label className="check">
                  <input type="checkbox" checked={!r} onChange={(e) => set('days', { ...f.days, [d]: e.target.checked ? null : WORKDAY })} /> {t('admin.closed')}
                </label>
                {r && (
                  <>
                    <input
                      type="time"
                      aria-label={t('inboxForms.webchat.opens')}
                      value={r.open}
                      onChange={(e) => set('days', { ...f.days, [d]: { ...r, open: e.target.value } })}
                    />
                    <input
                      type="time"
                      aria-label={t('inboxForms.webchat.closes')}
                      value={r.close}
                      onChange={(e) => set('days', { ...f.days, [d]: { ...r, close: e.target.value } })}
                    />
                  </>
                )}
              </div>
            );
          })}
        </div>
      )}
      <WebchatPreview f={f} />
    </fieldset>
  );
}

/** What the visitor will see, drawn from the form as it is typed (colours, title, greeting, side). */
function WebchatPreview({ f }: { f: WebchatForm }) {
  const { t } = useTranslation();
  return (
    <div className={`webchat-preview ${f.position}`} data-testid="webchat-preview" aria-label={t('inboxForms.webchat.preview')}>
      <div className="webchat-preview-panel">
        <div className="webchat-preview-head" style={{ background: f.color, color: f.textColor }}>
          {f.title.trim() || t('inboxForms.webchat.defaultTitle')}
        </div>
        <div className="webchat-preview-body">{f.greeting.trim() && <div className="webchat-preview-bubble">{f.greeting}</div>}</div>
      </div>
      <div className="webchat-preview-launcher" style={{ background: f.color, color: f.textColor }} aria-hidden>
        <ChatBubble />
      </div>
    </div>
  );
}

/** The tag to paste into the site (from the server, which knows its public URL), with a Copy button. */
export function WebchatSnippet({ inbox }: { inbox: Inbox }) {
  const { t } = useTranslation();
  const settings = (inbox.settings ?? {}) as { snippet?: string; allowedOrigins?: string[] };
  if (inbox.channel !== 'webchat' || !settings.snippet) return null;
  return (
    <div className="small">
      <CopyBlock value={settings.snippet} label={t('inboxForms.webchat.snippet')} testId="webchat-snippet" />
      <div className="muted">{t('inboxForms.webchat.snippetHint', { origins: (settings.allowedOrigins ?? []).join(', ') })}</div>
    </div>
  );
}
