import { useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { del, get, patch, post, api } from '../api/client';
import type { Inbox } from '../api/types';
import { BOT_SCOPES, WEBHOOK_EVENTS, type Bot, type WebhookDelivery, type WebhookSubscription } from './bots-types';
import { errorText } from './error-text';
import type { Resources } from '../i18n/locales/en';

type ScopeKey = keyof Resources['integrations']['scopes'];
const scopeKey = (s: string) => s.replace('.', '_') as ScopeKey;

function useAction<T, R = unknown>(fn: (v: T) => Promise<R>, keys: string[]) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => keys.forEach((k) => void qc.invalidateQueries({ queryKey: [k] })) });
}

function Label({ text, children }: { text: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{text}</span>
      {children}
    </label>
  );
}

function Failure({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div className="error small" role="alert">
      {errorText(t, error)}
    </div>
  );
}

/** A secret shown once: copy it now, it is never shown again. */
function OnceSecret({ label, value }: { label: string; value: string }) {
  const { t } = useTranslation();
  return (
    <div className="card small" data-testid="once-secret">
      <strong>{label}</strong> <code>{value}</code>{' '}
      <button type="button" className="link" onClick={() => void navigator.clipboard?.writeText(value)}>
        {t('integrations.copy')}
      </button>
      <div className="muted">{t('integrations.shownOnce')}</div>
    </div>
  );
}

/** The enable/disable and delete links every bot and webhook row ends with. */
function EnableDeleteActions({ active, onToggle, onDelete }: { active: boolean; onToggle: () => void; onDelete: () => void }) {
  const { t } = useTranslation();
  return (
    <>
      <button className="link" onClick={onToggle}>
        {active ? t('integrations.bots.disable') : t('integrations.bots.enable')}
      </button>{' '}
      <button className="link" onClick={onDelete}>
        {t('integrations.delete')}
      </button>
    </>
  );
}

function Checks({
  name,
  options,
  value,
  onChange,
  label,
}: {
  name: string;
  options: Array<{ value: string; label: string }>;
  value: string[];
  onChange(v: string[]): void;
  label: string;
}) {
  return (
    <fieldset className="field checks" data-testid={name}>
      <legend>{label}</legend>
      {options.map((o) => (
        <label key={o.value} className="check">
          <input
            type="checkbox"
            name={`${name}-${o.value}`}
            checked={value.includes(o.value)}
            onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((x) => x !== o.value))}
          />
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}

export function BotsAdmin() {
  const { t } = useTranslation();
  const bots = useQuery({ queryKey: ['bots'], queryFn: () => get<Bot[]>('/bots') });
  const inboxes = useQuery({ queryKey: ['inboxes'], queryFn: () => get<Inbox[]>('/inboxes') });
  const inboxName = (id: string) => inboxes.data?.find((i) => i.id === id)?.name ?? id;
  const [form, setForm] = useState({ name: '', allInboxes: false, inboxIds: [] as string[], scopes: [...BOT_SCOPES] as string[], tokenExpiresAt: '', webhookUrl: '' });
  const [shown, setShown] = useState<{ token?: string; webhookSecret?: string } | null>(null);
  const create = useAction(
    async (f: typeof form) => {
      const body: Record<string, unknown> = { name: f.name, scopes: f.scopes };
      if (!f.allInboxes) body.inboxIds = f.inboxIds;
      if (f.tokenExpiresAt) body.tokenExpiresAt = new Date(f.tokenExpiresAt).toISOString();
      if (f.webhookUrl) body.webhookUrl = f.webhookUrl;
      const bot = await post<Bot>('/bots', body);
      setShown({ token: bot.token, webhookSecret: bot.webhookSecret });
      setForm({ name: '', allInboxes: false, inboxIds: [], scopes: [...BOT_SCOPES], tokenExpiresAt: '', webhookUrl: '' });
    },
    ['bots'],
  );
  const rotate = useAction(async (id: string) => setShown({ token: (await post<Bot>(`/bots/${id}/token`)).token }), ['bots']);
  const toggle = useAction((b: Bot) => patch(`/bots/${b.id}`, { active: !b.active }), ['bots']);
  const remove = useAction((id: string) => del(`/bots/${id}`), ['bots']);
  const [first, setFirst] = useState({ inboxId: '', botId: '', handoffMessage: '', handoffOnRequest: true });
  const setFirstBot = useAction(
    (f: typeof first) => api('PUT', `/inboxes/${f.inboxId}/bot`, { botId: f.botId || null, handoffMessage: f.handoffMessage || null, handoffOnRequest: f.handoffOnRequest }),
    ['bots'],
  );

  return (
    <div className="admin-section">
      <form className="card form-grid" data-testid="bot-form" onSubmit={(e) => (e.preventDefault(), create.mutate(form))}>
        <h3>{t('integrations.bots.create')}</h3>
        <Label text={t('integrations.bots.name')}>
          <input name="bot-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
        </Label>
        <label className="check">
          <input type="checkbox" name="bot-all-inboxes" checked={form.allInboxes} onChange={(e) => setForm({ ...form, allInboxes: e.target.checked })} />
          {t('integrations.bots.allInboxes')}
        </label>
        {!form.allInboxes && (
          <Checks
            name="bot-inboxes"
            label={t('integrations.bots.inboxes')}
            value={form.inboxIds}
            onChange={(v) => setForm({ ...form, inboxIds: v })}
            options={(inboxes.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
          />
        )}
        <Checks
          name="bot-scopes"
          label={t('integrations.bots.scopes')}
          value={form.scopes}
          onChange={(v) => setForm({ ...form, scopes: v })}
          options={BOT_SCOPES.map((s) => ({ value: s, label: t(`integrations.scopes.${scopeKey(s)}`) }))}
        />
        <Label text={t('integrations.bots.expires')}>
          <input type="date" name="bot-expires" value={form.tokenExpiresAt} onChange={(e) => setForm({ ...form, tokenExpiresAt: e.target.value })} />
        </Label>
        <Label text={t('integrations.bots.webhookUrl')}>
          <input
            type="url"
            name="bot-webhook-url"
            value={form.webhookUrl}
            placeholder="https://bot.example.com/hook"
            onChange={(e) => setForm({ ...form, webhookUrl: e.target.value })}
          />
        </Label>
        <button className="primary" type="submit" disabled={form.scopes.length === 0}>
          {t('integrations.bots.create')}
        </button>
        <Failure error={create.error} />
      </form>
      {shown?.token && <OnceSecret label={t('integrations.bots.token')} value={shown.token} />}
      {shown?.webhookSecret && <OnceSecret label={t('integrations.webhooks.secret')} value={shown.webhookSecret} />}
      <table className="table" data-testid="bots-table">
        <thead>
          <tr>
            <th>{t('integrations.bots.name')}</th>
            <th>{t('integrations.bots.inboxes')}</th>
            <th>{t('integrations.bots.scopes')}</th>
            <th>{t('integrations.bots.expires')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(bots.data ?? []).map((b) => (
            <tr key={b.id} className={b.active ? '' : 'muted'}>
              <td>
                {b.name}
                {!b.active && <span className="muted small"> ({t('integrations.bots.disabled')})</span>}
              </td>
              <td className="small">{b.inboxIds === null ? t('integrations.bots.allInboxes') : b.inboxIds.map(inboxName).join(', ') || '—'}</td>
              <td className="small">{b.scopes.map((s) => t(`integrations.scopes.${scopeKey(s)}`)).join(', ')}</td>
              <td className="small">{b.tokenExpiresAt ? new Date(b.tokenExpiresAt).toLocaleDateString() : t('integrations.bots.never')}</td>
              <td>
                <button className="link" onClick={() => rotate.mutate(b.id)}>
                  {t('integrations.bots.rotate')}
                </button>{' '}
                <EnableDeleteActions active={b.active} onToggle={() => toggle.mutate(b)} onDelete={() => remove.mutate(b.id)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {bots.data?.length === 0 && <p className="muted">{t('integrations.bots.empty')}</p>}
      <Failure error={rotate.error ?? toggle.error ?? remove.error} />

      <form className="card form-grid" data-testid="bot-first-form" onSubmit={(e) => (e.preventDefault(), setFirstBot.mutate(first))}>
        <h3>{t('integrations.botFirst.title')}</h3>
        <p className="muted small">{t('integrations.botFirst.help')}</p>
        <Label text={t('integrations.botFirst.inbox')}>
          <select name="bot-first-inbox" value={first.inboxId} onChange={(e) => setFirst({ ...first, inboxId: e.target.value })} required>
            <option value="">—</option>
            {(inboxes.data ?? []).map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </Label>
        <Label text={t('integrations.botFirst.bot')}>
          <select name="bot-first-bot" value={first.botId} onChange={(e) => setFirst({ ...first, botId: e.target.value })}>
            <option value="">{t('integrations.botFirst.none')}</option>
            {(bots.data ?? []).map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </Label>
        <Label text={t('integrations.botFirst.handoffMessage')}>
          <input name="bot-first-message" value={first.handoffMessage} onChange={(e) => setFirst({ ...first, handoffMessage: e.target.value })} />
        </Label>
        <label className="check">
          <input type="checkbox" name="bot-first-on-request" checked={first.handoffOnRequest} onChange={(e) => setFirst({ ...first, handoffOnRequest: e.target.checked })} />
          {t('integrations.botFirst.onRequest')}
        </label>
        <button className="primary" type="submit">
          {t('integrations.save')}
        </button>
        <Failure error={setFirstBot.error} />
        {setFirstBot.isSuccess && <div className="ok small">{t('integrations.saved')}</div>}
      </form>
      <ul className="small" data-testid="bot-first-list">
        {(bots.data ?? []).flatMap((b) => b.firstInboxIds.map((i) => <li key={`${b.id}-${i}`}>{t('integrations.botFirst.line', { inbox: inboxName(i), bot: b.name })}</li>))}
      </ul>
    </div>
  );
}

function Deliveries({ sub }: { sub: WebhookSubscription }) {
  const { t } = useTranslation();
  const log = useQuery({
    queryKey: ['webhook-deliveries', sub.id],
    queryFn: () => get<{ items: WebhookDelivery[] }>(`/webhooks/${sub.id}/deliveries?limit=50`),
    refetchInterval: 5000,
  });
  const redeliver = useAction((id: string) => post(`/webhooks/${sub.id}/deliveries/${id}/redeliver`), ['webhook-deliveries']);
  return (
    <div className="card" data-testid="deliveries">
      <h4>{t('integrations.deliveries.title', { url: sub.url })}</h4>
      <table className="table">
        <thead>
          <tr>
            <th>{t('integrations.deliveries.time')}</th>
            <th>{t('integrations.deliveries.event')}</th>
            <th>{t('integrations.deliveries.status')}</th>
            <th>{t('integrations.deliveries.response')}</th>
            <th>{t('integrations.deliveries.latency')}</th>
            <th>{t('integrations.deliveries.attempts')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(log.data?.items ?? []).map((d) => (
            <tr key={d.id}>
              <td className="small">{new Date(d.createdAt).toLocaleString()}</td>
              <td>
                <code>{d.event}</code>
              </td>
              <td>{t(`integrations.deliveries.states.${d.status}`)}</td>
              <td className="small" title={d.responseExcerpt ?? ''}>
                {d.responseStatus ?? '—'}
                {d.error ? ` · ${d.error}` : ''}
              </td>
              <td className="small">{d.latencyMs === null ? '—' : t('integrations.deliveries.ms', { ms: d.latencyMs })}</td>
              <td>{d.attempts}</td>
              <td>
                <button className="link" onClick={() => redeliver.mutate(d.id)}>
                  {t('integrations.deliveries.redeliver')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {log.data?.items.length === 0 && <p className="muted">{t('integrations.deliveries.empty')}</p>}
      <Failure error={redeliver.error} />
    </div>
  );
}

export function WebhooksAdmin() {
  const { t } = useTranslation();
  const subs = useQuery({ queryKey: ['webhooks'], queryFn: () => get<WebhookSubscription[]>('/webhooks') });
  const inboxes = useQuery({ queryKey: ['inboxes'], queryFn: () => get<Inbox[]>('/inboxes') });
  const [form, setForm] = useState({ url: '', events: ['message.created', 'conversation.assigned'] as string[], inboxIds: [] as string[] });
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const create = useAction(
    async (f: typeof form) => {
      const sub = await post<WebhookSubscription>('/webhooks', { url: f.url, events: f.events, ...(f.inboxIds.length ? { inboxIds: f.inboxIds } : {}) });
      setSecret(sub.secret ?? null);
      setForm({ url: '', events: ['message.created', 'conversation.assigned'], inboxIds: [] });
    },
    ['webhooks'],
  );
  const toggle = useAction((s: WebhookSubscription) => patch(`/webhooks/${s.id}`, { active: !s.active }), ['webhooks']);
  const remove = useAction((id: string) => del(`/webhooks/${id}`), ['webhooks']);
  const current = subs.data?.find((s) => s.id === open) ?? null;
  return (
    <div className="admin-section">
      <form className="card form-grid" data-testid="webhook-form" onSubmit={(e) => (e.preventDefault(), create.mutate(form))}>
        <h3>{t('integrations.webhooks.create')}</h3>
        <Label text={t('integrations.webhooks.url')}>
          <input type="url" name="webhook-url" value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} required />
        </Label>
        <Checks
          name="webhook-events"
          label={t('integrations.webhooks.events')}
          value={form.events}
          onChange={(v) => setForm({ ...form, events: v })}
          options={WEBHOOK_EVENTS.map((e) => ({ value: e, label: e }))}
        />
        <Checks
          name="webhook-inboxes"
          label={t('integrations.webhooks.inboxes')}
          value={form.inboxIds}
          onChange={(v) => setForm({ ...form, inboxIds: v })}
          options={(inboxes.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
        />
        <button className="primary" type="submit" disabled={form.events.length === 0}>
          {t('integrations.webhooks.create')}
        </button>
        <Failure error={create.error} />
      </form>
      {secret && <OnceSecret label={t('integrations.webhooks.secret')} value={secret} />}
      <table className="table" data-testid="webhooks-table">
        <thead>
          <tr>
            <th>{t('integrations.webhooks.url')}</th>
            <th>{t('integrations.webhooks.events')}</th>
            <th>{t('integrations.webhooks.state')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(subs.data ?? []).map((s) => (
            <tr key={s.id}>
              <td>
                <code>{s.url}</code>
              </td>
              <td className="small">{s.events.join(', ')}</td>
              <td className="small">{s.active ? t('integrations.webhooks.active') : t('integrations.webhooks.disabled', { reason: s.disabledReason ?? '—' })}</td>
              <td>
                <button className="link" onClick={() => setOpen(open === s.id ? null : s.id)}>
                  {t('integrations.deliveries.show')}
                </button>{' '}
                <EnableDeleteActions active={s.active} onToggle={() => toggle.mutate(s)} onDelete={() => remove.mutate(s.id)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {subs.data?.length === 0 && <p className="muted">{t('integrations.webhooks.empty')}</p>}
      <Failure error={toggle.error ?? remove.error} />
      {current && <Deliveries sub={current} />}
    </div>
  );
}
