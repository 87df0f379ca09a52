import { useState, type ReactNode } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { del, patch, post } from '../api/client';
import type { Inbox } from '../api/types';

type Form = Record<string, string | boolean>;
type Set = (k: string) => (e: { target: { value: string } }) => void;

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/** The inbox-create fields of Telegram, X and phone inboxes; `channelBody` turns them into the request. */
export function SocialInboxFields({ channel, form, set }: { channel: string; form: Form; set: Set }) {
  const { t } = useTranslation();
  const v = (k: string) => String(form[k] ?? '');
  if (channel === 'telegram')
    return (
      <>
        <Field label={t('social.botToken')}>
          <input name="telegram-bot-token" type="password" value={v('botToken')} onChange={set('botToken')} required autoComplete="off" />
        </Field>
        <p className="small muted">{t('social.telegramHint')}</p>
      </>
    );
  if (channel === 'x')
    return (
      <>
        <Field label={t('social.consumerKey')}>
          <input name="x-consumer-key" value={v('consumerKey')} onChange={set('consumerKey')} required autoComplete="off" />
        </Field>
        <Field label={t('social.consumerSecret')}>
          <input name="x-consumer-secret" type="password" value={v('consumerSecret')} onChange={set('consumerSecret')} required autoComplete="off" />
        </Field>
        <Field label={t('social.accessToken')}>
          <input name="x-access-token" type="password" value={v('xAccessToken')} onChange={set('xAccessToken')} required autoComplete="off" />
        </Field>
        <Field label={t('social.accessTokenSecret')}>
          <input name="x-access-token-secret" type="password" value={v('accessTokenSecret')} onChange={set('accessTokenSecret')} required autoComplete="off" />
        </Field>
        <Field label={t('social.userId')}>
          <input name="x-user-id" value={v('xUserId')} onChange={set('xUserId')} required inputMode="numeric" />
        </Field>
        <p className="small muted">{t('social.xHint')}</p>
      </>
    );
  if (channel === 'phone')
    return (
      <>
        <Field label={t('social.number')}>
          <input name="phone-number" type="tel" value={v('number')} onChange={set('number')} />
        </Field>
        <p className="small muted">{t('social.phoneHint')}</p>
      </>
    );
  return null;
}

export function channelBody(channel: string, f: Form): Record<string, unknown> {
  const v = (k: string) => String(f[k] ?? '').trim();
  if (channel === 'telegram') return { botToken: v('botToken') };
  if (channel === 'x')
    return { consumerKey: v('consumerKey'), consumerSecret: v('consumerSecret'), accessToken: v('xAccessToken'), accessTokenSecret: v('accessTokenSecret'), userId: v('xUserId') };
  if (channel === 'phone') return v('number') ? { number: v('number') } : {};
  return {};
}

/** Webhook URL (with copy), connection test, activate/deactivate and delete of a Telegram or X inbox; the number of a phone inbox. */
export function SocialInboxInfo({ inbox }: { inbox: Inbox }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [result, setResult] = useState<string | null>(null);
  const settings = (inbox.settings ?? {}) as { webhookUrl?: string; number?: string | null; botUsername?: string; username?: string };
  const test = useMutation({
    mutationFn: () =>
      post<{ ok: boolean; problem?: string; message?: string; account?: { name?: string; username?: string | null; id: string } }>(
        `/inboxes/${inbox.id}/${inbox.channel}/test-connection`,
        {},
      ),
    onSuccess: (r) =>
      setResult(
        r.ok
          ? t('meta.connectionOk', { name: r.account?.username ? `@${r.account.username}` : (r.account?.name ?? r.account?.id ?? '') })
          : t(r.problem === 'network' ? 'social.connectionNetwork' : 'social.connectionCredentials', { message: r.message ?? '' }),
      ),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['inboxes'] });
  const toggle = useMutation({ mutationFn: () => patch(`/inboxes/${inbox.id}`, { active: !inbox.active }), onSuccess: refresh });
  const remove = useMutation({ mutationFn: () => del(`/inboxes/${inbox.id}`), onSuccess: refresh });
  if (inbox.channel === 'phone')
    return settings.number ? (
      <div className="small muted" data-testid="phone-number">
        {settings.number}
      </div>
    ) : null;
  if (inbox.channel !== 'telegram' && inbox.channel !== 'x') return null;
  return (
    <div className="small" data-testid="social-inbox">
      {(settings.botUsername || settings.username) && <div>@{settings.botUsername ?? settings.username}</div>}
      {settings.webhookUrl && (
        <div>
          <strong>{t('social.webhookUrl')}:</strong> <code>{settings.webhookUrl}</code>{' '}
          <button type="button" className="link" onClick={() => void navigator.clipboard?.writeText(settings.webhookUrl!)}>
            {t('meta.copy')}
          </button>
        </div>
      )}
      <div className="row-buttons">
        <button type="button" className="link" onClick={() => test.mutate()} disabled={test.isPending}>
          {t('meta.testConnection')}
        </button>
        <button type="button" className="link" onClick={() => toggle.mutate()}>
          {inbox.active ? t('meta.deactivate') : t('meta.activate')}
        </button>
        <button type="button" className="link" onClick={() => window.confirm(t('meta.confirmDelete')) && remove.mutate()}>
          {t('admin.delete')}
        </button>
        {result && <span role="status">{result}</span>}
        {(test.error || remove.error) && (
          <span className="error small" role="alert">
            {t('admin.failed', { message: (test.error ?? remove.error)!.message })}
          </span>
        )}
      </div>
    </div>
  );
}
