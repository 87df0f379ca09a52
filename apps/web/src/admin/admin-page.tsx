import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { NavLink, Navigate, Route, Routes } from 'react-router';
import { del, get, patch, post } from '../api/client';
import type { Inbox, Team, User } from '../api/types';
import { LANGUAGES } from '../i18n/i18n';
import { RulesAdmin, SlaPoliciesAdmin } from '../sla/sla-admin';
import { SocialInboxFields, SocialInboxInfo, channelBody } from './social-inbox';
import { BotsAdmin, WebhooksAdmin } from '../bots/bots-admin';
import { CannedAdmin } from './canned-admin';
import { initialWebchat, webchatBody, webchatReady, WebchatFields, WebchatSnippet } from './inbox-forms/webchat-form';
import { initialSlack, slackBody, slackReady, SlackFields, SlackSetup } from './inbox-forms/slack-form';
import { InboxRowActions } from './inbox-forms/inbox-row-actions';
import { useChannelKinds } from './inbox-forms/channel-kinds';
import { EmailTestConnection, emailServersBody } from './inbox-forms/email-test-connection';
import { CHANNEL_KINDS } from '@inbox/realtime-contract';

const CHANNELS = CHANNEL_KINDS;
const META_CHANNELS = ['whatsapp', 'messenger', 'instagram'];
const csv = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function useSave<T>(fn: (body: T) => Promise<unknown>, invalidate: string[]) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => invalidate.forEach((k) => void queryClient.invalidateQueries({ queryKey: [k] })) });
}

function Feedback({ m }: { m: { error: Error | null; isSuccess: boolean } }) {
  const { t } = useTranslation();
  if (m.error)
    return (
      <div className="error small" role="alert">
        {t('admin.failed', { message: m.error.message })}
      </div>
    );
  if (m.isSuccess) return <div className="ok small">{t('admin.saved')}</div>;
  return null;
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

function CopyButton({ value }: { value: string }) {
  const { t } = useTranslation();
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="link"
      onClick={() =>
        void navigator.clipboard?.writeText(value).then(
          () => setDone(true),
          () => setDone(false),
        )
      }
    >
      {done ? t('meta.copied') : t('meta.copy')}
    </button>
  );
}

/** Where the Meta app must send its webhooks, and (once, at creation) the verify token to paste with it. */
function MetaWebhookInfo({ inbox, verifyToken }: { inbox: Inbox; verifyToken?: string }) {
  const { t } = useTranslation();
  const url = (inbox.settings as { callbackUrl?: string } | undefined)?.callbackUrl;
  if (!url) return null;
  return (
    <div className="small" data-testid="meta-webhook">
      <div>
        <strong>{t('meta.callbackUrl')}:</strong> <code>{url}</code> <CopyButton value={url} />
      </div>
      {verifyToken && (
        <div>
          <strong>{t('meta.verifyToken')}:</strong> <code data-testid="meta-verify-token">{verifyToken}</code> <CopyButton value={verifyToken} />
        </div>
      )}
    </div>
  );
}

function MetaInboxActions({ inbox }: { inbox: Inbox }) {
  const { t } = useTranslation();
  const [result, setResult] = useState<string | null>(null);
  const test = useMutation({
    mutationFn: () =>
      post<{ ok: boolean; problem?: string; message?: string; account?: { displayPhoneNumber?: string; name?: string; id: string } }>(
        `/inboxes/${inbox.id}/meta/test-connection`,
        {},
      ),
    onSuccess: (r) =>
      setResult(
        r.ok
          ? t('meta.connectionOk', { name: r.account?.displayPhoneNumber ?? r.account?.name ?? r.account?.id ?? '' })
          : t(r.problem === 'network' ? 'meta.connectionNetwork' : 'meta.connectionCredentials', { message: r.message ?? '' }),
      ),
  });
  const toggle = useSave(() => patch(`/inboxes/${inbox.id}`, { active: !inbox.active }), ['inboxes']);
  const remove = useSave(() => del(`/inboxes/${inbox.id}`), ['inboxes']);
  return (
    <div className="small row-buttons">
      <button type="button" className="link" onClick={() => test.mutate()} disabled={test.isPending}>
        {t('meta.testConnection')}
      </button>
      <button type="button" className="link" onClick={() => toggle.mutate(undefined)}>
        {inbox.active ? t('meta.deactivate') : t('meta.activate')}
      </button>
      <button type="button" className="link" onClick={() => window.confirm(t('meta.confirmDelete')) && remove.mutate(undefined)}>
        {t('admin.delete')}
      </button>
      {result && <span role="status">{result}</span>}
      <Feedback m={test} />
      <Feedback m={remove} />
    </div>
  );
}

function CapacityEditor({ value, onChange }: { value: Record<string, number>; onChange(v: Record<string, number>): void }) {
  const { t } = useTranslation();
  return (
    <div className="capacity">
      {CHANNELS.map((k) => (
        <label key={k} className="small">
          {t(`channel.${k}`)}
          <input
            type="number"
            min={0}
            max={1000}
            value={value[k] ?? ''}
            onChange={(e) => {
              const next = { ...value };
              if (e.target.value === '') delete next[k];
              else next[k] = Number(e.target.value);
              onChange(next);
            }}
          />
        </label>
      ))}
    </div>
  );
}

function InboxesAdmin() {
  const { t } = useTranslation();
  const inboxes = useQuery({ queryKey: ['inboxes'], queryFn: () => get<Inbox[]>('/inboxes') });
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => get<Team[]>('/teams') });
  const users = useQuery({ queryKey: ['users'], queryFn: () => get<User[]>('/users') });
  const [form, setForm] = useState({
    name: '',
    channel: 'api',
    teamId: '',
    webhookUrl: '',
    address: '',
    imapHost: '',
    imapPort: '993',
    imapUser: '',
    imapPassword: '',
    smtpHost: '',
    smtpPort: '587',
    smtpUser: '',
    smtpPassword: '',
    imapPlain: false,
    smtpPlain: false,
    phoneNumberId: '',
    businessAccountId: '',
    accessToken: '',
    pageId: '',
    instagramAccountId: '',
    pageAccessToken: '',
    appSecret: '',
    verifyToken: '',
    botToken: '',
    consumerKey: '',
    consumerSecret: '',
    xAccessToken: '',
    accessTokenSecret: '',
    xUserId: '',
    number: '',
  });
  const [created, setCreated] = useState<Inbox | null>(null);
  const [webchat, setWebchat] = useState(initialWebchat);
  const [slack, setSlack] = useState(initialSlack);
  const kinds = useChannelKinds();
  const create = useSave(
    async (f: typeof form) => {
      // The secrets box of an earlier inbox must not stay on screen while another is created.
      setCreated(null);
      const body: Record<string, unknown> = { name: f.name, channel: f.channel, teamId: f.teamId || undefined };
      if (f.channel === 'webchat') Object.assign(body, webchatBody(webchat));
      if (f.channel === 'slack') Object.assign(body, slackBody(slack));
      if (f.channel === 'api' && f.webhookUrl) body.webhookUrl = f.webhookUrl;
      if (f.channel === 'email') {
        body.address = f.address;
        Object.assign(body, emailServersBody(f));
      }
      if (META_CHANNELS.includes(f.channel)) {
        const ids =
          f.channel === 'whatsapp'
            ? { phoneNumberId: f.phoneNumberId, businessAccountId: f.businessAccountId, accessToken: f.accessToken }
            : f.channel === 'messenger'
              ? { pageId: f.pageId, pageAccessToken: f.pageAccessToken }
              : { instagramAccountId: f.instagramAccountId, pageAccessToken: f.pageAccessToken };
        Object.assign(body, ids, { appSecret: f.appSecret, verifyToken: f.verifyToken || undefined });
      }
      Object.assign(body, channelBody(f.channel, f));
      setCreated(await post<Inbox>('/inboxes', body));
    },
    ['inboxes'],
  );
  const addMember = useSave(({ inboxId, userId }: { inboxId: string; userId: string }) => post(`/inboxes/${inboxId}/members`, { userId }), ['inbox-members']);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(form);
  };

  return (
    <div className="admin-section">
      <form className="card form-grid" onSubmit={submit} data-testid="inbox-form">
        <h3>{t('admin.create')}</h3>
        <Field label={t('admin.name')}>
          <input name="inbox-name" value={form.name} onChange={set('name')} required />
        </Field>
        <Field label={t('admin.channel')}>
          <select name="inbox-channel" value={form.channel} onChange={set('channel')}>
            {CHANNELS.filter((c) => !kinds || kinds.includes(c)).map((c) => (
              <option key={c} value={c}>
                {t(`channel.${c}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('admin.team')}>
          <select name="inbox-team" value={form.teamId} onChange={set('teamId')}>
            <option value="">{t('admin.none')}</option>
            {(teams.data ?? []).map((tm) => (
              <option key={tm.id} value={tm.id}>
                {tm.name}
              </option>
            ))}
          </select>
        </Field>
        {form.channel === 'api' && (
          <Field label={t('admin.webhookUrl')}>
            <input type="url" value={form.webhookUrl} onChange={set('webhookUrl')} />
          </Field>
        )}
        {form.channel === 'email' && (
          <>
            <Field label={t('admin.address')}>
              <input type="email" value={form.address} onChange={set('address')} required />
            </Field>
            <h4>{t('admin.imap')}</h4>
            <Field label={t('admin.host')}>
              <input value={form.imapHost} onChange={set('imapHost')} />
            </Field>
            <Field label={t('admin.port')}>
              <input type="number" value={form.imapPort} onChange={set('imapPort')} />
            </Field>
            <Field label={t('admin.user')}>
              <input value={form.imapUser} onChange={set('imapUser')} />
            </Field>
            <Field label={t('admin.password')}>
              <input type="password" value={form.imapPassword} onChange={set('imapPassword')} />
            </Field>
            {/* Without it, a non-TLS port means STARTTLS or nothing: credentials never cross in clear by accident. */}
            {Number(form.imapPort) !== 993 && (
              <Field label={t('admin.allowInsecureAuth')}>
                <input type="checkbox" name="imap-allow-insecure-auth" checked={form.imapPlain} onChange={(e) => setForm({ ...form, imapPlain: e.target.checked })} />
              </Field>
            )}
            <h4>{t('admin.smtp')}</h4>
            <Field label={t('admin.host')}>
              <input value={form.smtpHost} onChange={set('smtpHost')} />
            </Field>
            <Field label={t('admin.port')}>
              <input type="number" value={form.smtpPort} onChange={set('smtpPort')} />
            </Field>
            <Field label={t('admin.user')}>
              <input value={form.smtpUser} onChange={set('smtpUser')} />
            </Field>
            <Field label={t('admin.password')}>
              <input type="password" value={form.smtpPassword} onChange={set('smtpPassword')} />
            </Field>
            {Number(form.smtpPort) !== 465 && (
              <Field label={t('admin.allowInsecureAuth')}>
                <input type="checkbox" name="smtp-allow-insecure-auth" checked={form.smtpPlain} onChange={(e) => setForm({ ...form, smtpPlain: e.target.checked })} />
              </Field>
            )}
            <EmailTestConnection body={() => ({ address: form.address || undefined, ...emailServersBody(form) })} />
          </>
        )}
        {META_CHANNELS.includes(form.channel) && (
          <>
            {form.channel === 'whatsapp' && (
              <>
                <Field label={t('meta.phoneNumberId')}>
                  <input name="meta-phone-number-id" value={form.phoneNumberId} onChange={set('phoneNumberId')} required inputMode="numeric" />
                </Field>
                <Field label={t('meta.businessAccountId')}>
                  <input name="meta-business-account-id" value={form.businessAccountId} onChange={set('businessAccountId')} required inputMode="numeric" />
                </Field>
                <Field label={t('meta.accessToken')}>
                  <input name="meta-access-token" type="password" value={form.accessToken} onChange={set('accessToken')} required />
                </Field>
              </>
            )}
            {form.channel === 'messenger' && (
              <Field label={t('meta.pageId')}>
                <input name="meta-page-id" value={form.pageId} onChange={set('pageId')} required inputMode="numeric" />
              </Field>
            )}
            {form.channel === 'instagram' && (
              <Field label={t('meta.instagramAccountId')}>
                <input name="meta-instagram-account-id" value={form.instagramAccountId} onChange={set('instagramAccountId')} required inputMode="numeric" />
              </Field>
            )}
            {form.channel !== 'whatsapp' && (
              <Field label={t('meta.pageAccessToken')}>
                <input name="meta-page-access-token" type="password" value={form.pageAccessToken} onChange={set('pageAccessToken')} required />
              </Field>
            )}
            <Field label={t('meta.appSecret')}>
              <input name="meta-app-secret" type="password" value={form.appSecret} onChange={set('appSecret')} required />
            </Field>
            <Field label={t('meta.verifyToken')}>
              <input name="meta-verify-token" value={form.verifyToken} onChange={set('verifyToken')} />
            </Field>
            <p className="small muted">{t('meta.setupHint')}</p>
          </>
        )}
        <SocialInboxFields channel={form.channel} form={form} set={(k) => set(k as keyof typeof form)} />
        {form.channel === 'webchat' && <WebchatFields value={webchat} onChange={setWebchat} />}
        {form.channel === 'slack' && <SlackFields value={slack} onChange={setSlack} appName={form.name} />}
        <button
          className="primary"
          type="submit"
          disabled={create.isPending || (form.channel === 'webchat' && !webchatReady(webchat)) || (form.channel === 'slack' && !slackReady(slack))}
        >
          {t('admin.create')}
        </button>
        <Feedback m={create} />
        {created?.channel === 'webchat' && (
          <div className="secret" data-testid="inbox-created-webchat">
            <WebchatSnippet inbox={created} />
          </div>
        )}
        {created?.channel === 'slack' && (
          <div className="secret">
            <SlackSetup inbox={created} />
          </div>
        )}
        {created && META_CHANNELS.includes(created.channel) && (
          <div className="secret" data-testid="inbox-secrets">
            <p className="small">{t('admin.secretsOnce')}</p>
            <MetaWebhookInfo inbox={created} verifyToken={created.verifyToken as string | undefined} />
          </div>
        )}
        {created?.token && (
          <div className="secret" data-testid="inbox-secrets">
            <p className="small">{t('admin.secretsOnce')}</p>
            <div>
              <strong>{t('admin.token')}:</strong> <code data-testid="inbox-token">{created.token}</code>
            </div>
            {created.webhookSecret && (
              <div>
                <strong>{t('admin.webhookSecret')}:</strong> <code>{created.webhookSecret}</code>
              </div>
            )}
            <div className="small muted">
              id: <code data-testid="inbox-id">{created.id}</code>
            </div>
          </div>
        )}
      </form>
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.name')}</th>
            <th>{t('admin.channel')}</th>
            <th>{t('admin.team')}</th>
            <th>{t('admin.members')}</th>
          </tr>
        </thead>
        <tbody>
          {(inboxes.data ?? []).map((i) => (
            <tr key={i.id}>
              <td>
                {i.name}{' '}
                <div className="muted small">
                  <code>{i.id}</code>
                </div>
                {META_CHANNELS.includes(i.channel) && (
                  <>
                    <MetaWebhookInfo inbox={i} />
                    <MetaInboxActions inbox={i} />
                  </>
                )}
                <SocialInboxInfo inbox={i} />
                {i.channel === 'webchat' && <WebchatSnippet inbox={i} />}
                {i.channel === 'email' && <EmailTestConnection inboxId={i.id} />}
                <InboxRowActions inbox={i} teams={teams.data ?? []} />
              </td>
              <td>
                <span className={`chan chan-${i.channel}`}>{t(`channel.${i.channel}` as 'channel.api')}</span>
              </td>
              <td>{teams.data?.find((x) => x.id === i.teamId)?.name ?? '—'}</td>
              <td>
                <InboxMembers inbox={i} users={users.data ?? []} onAdd={(userId) => addMember.mutate({ inboxId: i.id, userId })} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Feedback m={addMember} />
    </div>
  );
}

function InboxMembers({ inbox, users, onAdd }: { inbox: Inbox; users: User[]; onAdd(id: string): void }) {
  const { t } = useTranslation();
  const members = useQuery({ queryKey: ['inbox-members', inbox.id], queryFn: () => get<Array<{ id?: string; userId?: string; name?: string }>>(`/inboxes/${inbox.id}/members`) });
  const ids = new Set((members.data ?? []).map((m) => m.userId ?? m.id));
  return (
    <div className="small">
      {users
        .filter((u) => ids.has(u.id))
        .map((u) => u.name)
        .join(', ') || '—'}
      <select aria-label={t('admin.addMember')} value="" onChange={(e) => e.target.value && onAdd(e.target.value)}>
        <option value="">{t('admin.addMember')}</option>
        {users
          .filter((u) => !ids.has(u.id))
          .map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
      </select>
    </div>
  );
}

function UsersAdmin() {
  const { t } = useTranslation();
  const users = useQuery({ queryKey: ['users'], queryFn: () => get<User[]>('/users') });
  const empty = { email: '', name: '', password: '', role: 'agent' as User['role'], languages: '', skills: '', capacity: {} as Record<string, number>, locale: 'en' };
  const [form, setForm] = useState(empty);
  const [editing, setEditing] = useState<string | null>(null);
  const save = useSave(
    async (f: typeof form) => {
      const body = { name: f.name, role: f.role, languages: csv(f.languages), skills: csv(f.skills), capacity: f.capacity, locale: f.locale, password: f.password || undefined };
      if (editing) await patch(`/users/${editing}`, body);
      else await post('/users', { ...body, email: f.email });
      setForm(empty);
      setEditing(null);
    },
    ['users', 'directory'],
  );
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const edit = (u: User) => {
    setEditing(u.id);
    setForm({ email: u.email, name: u.name, password: '', role: u.role, languages: u.languages.join(', '), skills: u.skills.join(', '), capacity: u.capacity, locale: u.locale });
  };

  return (
    <div className="admin-section">
      <form className="card form-grid" data-testid="user-form" onSubmit={(e) => (e.preventDefault(), save.mutate(form))}>
        <h3>{editing ? t('admin.edit') : t('admin.create')}</h3>
        <Field label={t('admin.email')}>
          <input name="user-email" type="email" value={form.email} onChange={set('email')} required disabled={!!editing} />
        </Field>
        <Field label={t('admin.name')}>
          <input name="user-name" value={form.name} onChange={set('name')} required />
        </Field>
        <Field label={t('admin.password')}>
          <input name="user-password" type="password" minLength={8} value={form.password} onChange={set('password')} required={!editing} />
        </Field>
        <Field label={t('admin.role')}>
          <select name="user-role" value={form.role} onChange={set('role')}>
            {(['agent', 'coordinator', 'admin'] as const).map((r) => (
              <option key={r} value={r}>
                {t(`admin.roles.${r}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('admin.languages')}>
          <input name="user-languages" value={form.languages} onChange={set('languages')} />
        </Field>
        <Field label={t('admin.skills')}>
          <input value={form.skills} onChange={set('skills')} />
        </Field>
        <Field label={t('admin.locale')}>
          <select value={form.locale} onChange={set('locale')}>
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('admin.capacity')}>
          <CapacityEditor value={form.capacity} onChange={(capacity) => setForm({ ...form, capacity })} />
        </Field>
        <div className="row-buttons">
          <button className="primary" type="submit" disabled={save.isPending}>
            {editing ? t('admin.save') : t('admin.create')}
          </button>
          {editing && (
            <button type="button" onClick={() => (setEditing(null), setForm(empty))}>
              {t('admin.cancel')}
            </button>
          )}
        </div>
        <Feedback m={save} />
      </form>
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.name')}</th>
            <th>{t('admin.email')}</th>
            <th>{t('admin.role')}</th>
            <th>{t('admin.languages')}</th>
            <th>{t('admin.capacity')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>{t(`admin.roles.${u.role}`)}</td>
              <td>{u.languages.join(', ')}</td>
              <td className="small">
                {Object.entries(u.capacity)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join(' · ')}
              </td>
              <td>
                <button className="link" onClick={() => edit(u)}>
                  {t('admin.edit')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type Hours = NonNullable<Team['businessHours']>;

function TeamEditor({ team, teams, users, onDone }: { team: Team | null; teams: Team[]; users: User[]; onDone(): void }) {
  const { t } = useTranslation();
  const [f, setF] = useState({
    name: team?.name ?? '',
    description: team?.description ?? '',
    strategy: team?.strategy ?? 'least_busy',
    offerTimeoutSeconds: team?.offerTimeoutSeconds?.toString() ?? '',
    overflowTeamId: team?.overflowTeamId ?? '',
    overflowAfterSeconds: team?.overflowAfterSeconds?.toString() ?? '',
    defaultCapacity: team?.defaultCapacity ?? {},
    awayMessage: team?.awayMessage ?? '',
    hoursOn: Boolean(team?.businessHours),
    hours: (team?.businessHours ?? {
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      days: {
        1: [{ open: '09:00', close: '17:00' }],
        2: [{ open: '09:00', close: '17:00' }],
        3: [{ open: '09:00', close: '17:00' }],
        4: [{ open: '09:00', close: '17:00' }],
        5: [{ open: '09:00', close: '17:00' }],
      },
    }) as Hours,
  });
  const save = useSave(async () => {
    const body = {
      name: f.name,
      description: f.description || undefined,
      strategy: f.strategy,
      offerTimeoutSeconds: f.offerTimeoutSeconds ? Number(f.offerTimeoutSeconds) : null,
      overflowTeamId: f.overflowTeamId || null,
      overflowAfterSeconds: f.overflowAfterSeconds ? Number(f.overflowAfterSeconds) : null,
      defaultCapacity: f.defaultCapacity,
      awayMessage: f.awayMessage || null,
      businessHours: f.hoursOn ? f.hours : null,
    };
    if (team) await patch(`/teams/${team.id}`, body);
    else await post('/teams', body);
    onDone();
  }, ['teams']);
  const member = useSave(
    ({ userId, add }: { userId: string; add: boolean }) => (add ? post(`/teams/${team!.id}/members`, { userId }) : del(`/teams/${team!.id}/members/${userId}`)),
    ['teams'],
  );
  const setDay = (d: number, range: { open: string; close: string } | null) => setF({ ...f, hours: { ...f.hours, days: { ...f.hours.days, [d]: range ? [range] : [] } } });

  return (
    <form className="card form-grid" data-testid="team-form" onSubmit={(e) => (e.preventDefault(), save.mutate())}>
      <h3>{team ? team.name : t('admin.create')}</h3>
      <Field label={t('admin.name')}>
        <input name="team-name" value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} required />
      </Field>
      <Field label={t('admin.description')}>
        <input value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} />
      </Field>
      <Field label={t('admin.strategy')}>
        <select value={f.strategy} onChange={(e) => setF({ ...f, strategy: e.target.value as Team['strategy'] })}>
          {(['least_busy', 'round_robin', 'manual'] as const).map((s) => (
            <option key={s} value={s}>
              {t(`admin.strategies.${s}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('admin.offerTimeout')}>
        <input type="number" min={5} max={3600} value={f.offerTimeoutSeconds} onChange={(e) => setF({ ...f, offerTimeoutSeconds: e.target.value })} />
      </Field>
      <Field label={t('admin.overflowTeam')}>
        <select value={f.overflowTeamId} onChange={(e) => setF({ ...f, overflowTeamId: e.target.value })}>
          <option value="">{t('admin.none')}</option>
          {teams
            .filter((x) => x.id !== team?.id)
            .map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
        </select>
      </Field>
      <Field label={t('admin.overflowAfter')}>
        <input type="number" min={1} value={f.overflowAfterSeconds} onChange={(e) => setF({ ...f, overflowAfterSeconds: e.target.value })} />
      </Field>
      <Field label={t('admin.capacity')}>
        <CapacityEditor value={f.defaultCapacity} onChange={(defaultCapacity) => setF({ ...f, defaultCapacity })} />
      </Field>
      <Field label={t('admin.businessHours')}>
        <input type="checkbox" checked={f.hoursOn} onChange={(e) => setF({ ...f, hoursOn: e.target.checked })} />
      </Field>
      {f.hoursOn && (
        <div className="hours">
          <Field label={t('admin.timezone')}>
            <input value={f.hours.timezone} onChange={(e) => setF({ ...f, hours: { ...f.hours, timezone: e.target.value } })} />
          </Field>
          {[1, 2, 3, 4, 5, 6, 0].map((d) => {
            const r = f.hours.days[d]?.[0];
            return (
              <div key={d} className="hours-row small">
                <span>{t(`admin.days.d${d}` as 'admin.days.d0')}</span>
                <label>
                  <input type="checkbox" checked={!r} onChange={(e) => setDay(d, e.target.checked ? null : { open: '09:00', close: '17:00' })} /> {t('admin.closed')}
                </label>
                {r && (
                  <>
                    <input type="time" value={r.open} onChange={(e) => setDay(d, { ...r, open: e.target.value })} />
                    <input type="time" value={r.close} onChange={(e) => setDay(d, { ...r, close: e.target.value })} />
                  </>
                )}
              </div>
            );
          })}
          <Field label={t('admin.awayMessage')}>
            <textarea value={f.awayMessage} onChange={(e) => setF({ ...f, awayMessage: e.target.value })} />
          </Field>
        </div>
      )}
      {team && (
        <Field label={t('admin.members')}>
          <div className="small">
            {users
              .filter((u) => team.memberIds.includes(u.id))
              .map((u) => (
                <span key={u.id} className="label-chip">
                  {u.name}{' '}
                  <button type="button" className="link" aria-label={t('admin.remove')} onClick={() => member.mutate({ userId: u.id, add: false })}>
                    ×
                  </button>
                </span>
              ))}
            <select aria-label={t('admin.addMember')} value="" onChange={(e) => e.target.value && member.mutate({ userId: e.target.value, add: true })}>
              <option value="">{t('admin.addMember')}</option>
              {users
                .filter((u) => !team.memberIds.includes(u.id))
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
            </select>
          </div>
        </Field>
      )}
      <div className="row-buttons">
        <button className="primary" type="submit" disabled={save.isPending}>
          {team ? t('admin.save') : t('admin.create')}
        </button>
        {team && (
          <button type="button" onClick={onDone}>
            {t('admin.cancel')}
          </button>
        )}
      </div>
      <Feedback m={save} />
      <Feedback m={member} />
    </form>
  );
}

function TeamsAdmin() {
  const { t } = useTranslation();
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => get<Team[]>('/teams') });
  const users = useQuery({ queryKey: ['users'], queryFn: () => get<User[]>('/users') });
  const [editing, setEditing] = useState<string | null>(null);
  const current = teams.data?.find((x) => x.id === editing) ?? null;
  return (
    <div className="admin-section">
      <TeamEditor key={editing ?? 'new'} team={current} teams={teams.data ?? []} users={users.data ?? []} onDone={() => setEditing(null)} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.name')}</th>
            <th>{t('admin.strategy')}</th>
            <th>{t('admin.offerTimeout')}</th>
            <th>{t('admin.members')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(teams.data ?? []).map((tm) => (
            <tr key={tm.id}>
              <td>{tm.name}</td>
              <td>{t(`admin.strategies.${tm.strategy}`)}</td>
              <td>{tm.offerTimeoutSeconds ?? '—'}</td>
              <td className="small">
                {(users.data ?? [])
                  .filter((u) => tm.memberIds.includes(u.id))
                  .map((u) => u.name)
                  .join(', ')}
              </td>
              <td>
                <button className="link" onClick={() => setEditing(tm.id)}>
                  {t('admin.edit')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function AdminPage() {
  const { t } = useTranslation();
  return (
    <div className="admin">
      <nav className="subnav">
        <h2>{t('admin.title')}</h2>
        <NavLink to="/admin/inboxes">{t('admin.inboxes')}</NavLink>
        <NavLink to="/admin/users">{t('admin.users')}</NavLink>
        <NavLink to="/admin/teams">{t('admin.teams')}</NavLink>
        <NavLink to="/admin/canned">{t('admin.canned')}</NavLink>
        <NavLink to="/admin/sla">{t('service.admin.policies')}</NavLink>
        <NavLink to="/admin/rules">{t('service.admin.rules')}</NavLink>
        <NavLink to="/admin/bots">{t('integrations.nav.bots')}</NavLink>
        <NavLink to="/admin/webhooks">{t('integrations.nav.webhooks')}</NavLink>
      </nav>
      <div className="admin-body">
        <Routes>
          <Route index element={<Navigate to="inboxes" replace />} />
          <Route path="inboxes" element={<InboxesAdmin />} />
          <Route path="users" element={<UsersAdmin />} />
          <Route path="teams" element={<TeamsAdmin />} />
          <Route path="canned" element={<CannedAdmin />} />
          <Route path="sla" element={<SlaPoliciesAdmin />} />
          <Route path="rules" element={<RulesAdmin />} />
          <Route path="bots" element={<BotsAdmin />} />
          <Route path="webhooks" element={<WebhooksAdmin />} />
        </Routes>
      </div>
    </div>
  );
}
