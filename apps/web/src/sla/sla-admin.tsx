import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError, del, get, patch, post } from '../api/client';

interface SlaPolicy {
  id: string;
  name: string;
  firstResponseSeconds: number;
  nextResponseSeconds: number | null;
  resolutionSeconds: number | null;
  businessHours: boolean;
  warnAtPercent: number;
  appliesTo: { channels?: string[]; priorities?: number[]; labels?: string[] };
  order: number;
}

interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  event: string;
  conditions: Array<{ field: string; operator: string; value: unknown }>;
  actions: Array<Record<string, unknown> & { type: string }>;
  order: number;
}

/** The API's validation errors by field path (`conditions.0.value`), for showing beside each input. */
function fieldErrors(e: unknown): Record<string, string[]> {
  if (e instanceof ApiError && e.details && typeof e.details === 'object') return ((e.details as { fields?: Record<string, string[]> }).fields ?? {}) as Record<string, string[]>;
  return {};
}

function FieldError({ errors, path }: { errors: Record<string, string[]>; path: string }) {
  const list = errors[path];
  return list ? (
    <span className="error small" data-testid={`error-${path}`}>
      {list.join(', ')}
    </span>
  ) : null;
}

const minutes = (s: number | null) => (s === null ? '' : String(Math.round(s / 60)));
const seconds = (m: string) => (m.trim() === '' ? null : Math.round(Number(m) * 60));
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function SlaPoliciesAdmin() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const policies = useQuery({ queryKey: ['sla-policies'], queryFn: () => get<SlaPolicy[]>('/sla-policies') });
  const [form, setForm] = useState({ name: '', first: '60', next: '', resolution: '', businessHours: false, warn: '80', order: '0', channels: '', priorities: '', labels: '' });
  const create = useMutation({
    mutationFn: () =>
      post('/sla-policies', {
        name: form.name,
        firstResponseSeconds: seconds(form.first),
        nextResponseSeconds: seconds(form.next),
        resolutionSeconds: seconds(form.resolution),
        businessHours: form.businessHours,
        warnAtPercent: Number(form.warn),
        order: Number(form.order),
        appliesTo: {
          ...(form.channels ? { channels: list(form.channels) } : {}),
          ...(form.priorities ? { priorities: list(form.priorities).map(Number) } : {}),
          ...(form.labels ? { labels: list(form.labels) } : {}),
        },
      }),
    onSuccess: () => {
      setForm((f) => ({ ...f, name: '' }));
      void qc.invalidateQueries({ queryKey: ['sla-policies'] });
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => del(`/sla-policies/${id}`), onSuccess: () => qc.invalidateQueries({ queryKey: ['sla-policies'] }) });
  const errors = fieldErrors(create.error);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  return (
    <div className="admin-section" data-testid="sla-admin">
      <h3>{t('service.admin.policies')}</h3>
      <p className="muted small">{t('service.admin.policiesHint')}</p>
      <table className="table">
        <thead>
          <tr>
            <th>{t('service.admin.order')}</th>
            <th>{t('service.admin.name')}</th>
            <th>{t('service.admin.firstResponse')}</th>
            <th>{t('service.admin.nextResponse')}</th>
            <th>{t('service.admin.resolution')}</th>
            <th>{t('service.admin.businessHours')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(policies.data ?? []).map((p) => (
            <tr key={p.id} data-testid="sla-policy-row">
              <td>{p.order}</td>
              <td>{p.name}</td>
              <td>{t('service.admin.minutes', { n: minutes(p.firstResponseSeconds) })}</td>
              <td>{p.nextResponseSeconds ? t('service.admin.minutes', { n: minutes(p.nextResponseSeconds) }) : '—'}</td>
              <td>{p.resolutionSeconds ? t('service.admin.minutes', { n: minutes(p.resolutionSeconds) }) : '—'}</td>
              <td>{p.businessHours ? '✓' : '—'}</td>
              <td>
                <button className="link" onClick={() => remove.mutate(p.id)}>
                  {t('service.admin.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label>
          {t('service.admin.name')} <input required value={form.name} onChange={set('name')} data-testid="sla-name" /> <FieldError errors={errors} path="name" />
        </label>
        <label>
          {t('service.admin.firstResponseMinutes')} <input type="number" min="0.05" step="any" required value={form.first} onChange={set('first')} />{' '}
          <FieldError errors={errors} path="firstResponseSeconds" />
        </label>
        <label>
          {t('service.admin.nextResponseMinutes')} <input type="number" min="0" step="any" value={form.next} onChange={set('next')} />{' '}
          <FieldError errors={errors} path="nextResponseSeconds" />
        </label>
        <label>
          {t('service.admin.resolutionMinutes')} <input type="number" min="0" step="any" value={form.resolution} onChange={set('resolution')} />{' '}
          <FieldError errors={errors} path="resolutionSeconds" />
        </label>
        <label>
          <input type="checkbox" checked={form.businessHours} onChange={(e) => setForm((f) => ({ ...f, businessHours: e.target.checked }))} /> {t('service.admin.businessHours')}
        </label>
        <label>
          {t('service.admin.warnAt')} <input type="number" min="1" max="99" value={form.warn} onChange={set('warn')} /> <FieldError errors={errors} path="warnAtPercent" />
        </label>
        <label>
          {t('service.admin.order')} <input type="number" min="0" value={form.order} onChange={set('order')} />
        </label>
        <label>
          {t('service.admin.channels')} <input value={form.channels} onChange={set('channels')} placeholder="email, webchat" />{' '}
          <FieldError errors={errors} path="appliesTo.channels" />
        </label>
        <label>
          {t('service.admin.priorities')} <input value={form.priorities} onChange={set('priorities')} placeholder="2, 3" />{' '}
          <FieldError errors={errors} path="appliesTo.priorities" />
        </label>
        <label>
          {t('service.admin.labels')} <input value={form.labels} onChange={set('labels')} placeholder="vip" /> <FieldError errors={errors} path="appliesTo.labels" />
        </label>
        <button className="primary" type="submit" disabled={create.isPending} data-testid="sla-create">
          {t('service.admin.create')}
        </button>
        {create.isError && !Object.keys(errors).length && <span className="error small">{(create.error as Error).message}</span>}
      </form>
    </div>
  );
}

export const EVENTS = ['conversation.created', 'message.created', 'conversation.updated', 'sla.breached', 'conversation.resolved', 'csat.received'];
export const FIELDS = ['channel', 'inbox', 'team', 'status', 'priority', 'labels', 'contact_email_domain', 'message_text', 'customer_language', 'business_hours', 'rating'];
export const OPERATORS = ['equals', 'not_equals', 'in', 'not_in', 'contains', 'not_contains', 'matches', 'at_most', 'at_least'];
/** Operators that compare numbers (rating, priority): the value is sent as a number. */
const NUMERIC_OPERATORS = new Set(['at_most', 'at_least']);
const ACTIONS: Record<string, string | null> = {
  set_team: 'teamId',
  add_label: 'label',
  remove_label: 'label',
  set_priority: 'priority',
  assign_agent: 'agentId',
  send_canned_response: 'cannedResponseId',
  add_note: 'text',
  send_webhook: 'url',
  resolve: null,
  snooze: 'seconds',
};
const NUMERIC = new Set(['priority', 'seconds']);

/** A condition's value as the server takes it: a list for set operators, a number for comparisons, else as typed. */
export function conditionValue(operator: string, value: unknown): unknown {
  if (operator === 'in' || operator === 'not_in' || operator === 'contains' || operator === 'not_contains') return list(String(value));
  if (NUMERIC_OPERATORS.has(operator)) return Number(value);
  return value;
}

export function RulesAdmin() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const rules = useQuery({ queryKey: ['automation-rules'], queryFn: () => get<Rule[]>('/automation-rules') });
  const [editing, setEditing] = useState<string | null>(null);
  const empty = {
    name: '',
    event: 'message.created',
    enabled: true,
    conditions: [{ field: 'message_text', operator: 'contains', value: '' }],
    actions: [{ type: 'add_label', param: '' }],
  };
  const [form, setForm] = useState(empty);
  const invalidate = () => qc.invalidateQueries({ queryKey: ['automation-rules'] });
  const body = () => ({
    name: form.name,
    event: form.event,
    enabled: form.enabled,
    conditions: form.conditions.map((c) => ({
      field: c.field,
      operator: c.operator,
      value: conditionValue(c.operator, c.value),
    })),
    actions: form.actions.map((a) => (ACTIONS[a.type] ? { type: a.type, [ACTIONS[a.type]!]: NUMERIC.has(ACTIONS[a.type]!) ? Number(a.param) : a.param } : { type: a.type })),
  });
  const save = useMutation({
    mutationFn: () => (editing ? patch(`/automation-rules/${editing}`, body()) : post('/automation-rules', body())),
    onSuccess: () => {
      setEditing(null);
      setForm(empty);
      void invalidate();
    },
  });
  const toggle = useMutation({ mutationFn: (r: Rule) => patch(`/automation-rules/${r.id}`, { enabled: !r.enabled }), onSuccess: invalidate });
  const remove = useMutation({ mutationFn: (id: string) => del(`/automation-rules/${id}`), onSuccess: invalidate });
  const errors = fieldErrors(save.error);
  const edit = (r: Rule) => {
    setEditing(r.id);
    setForm({
      name: r.name,
      event: r.event,
      enabled: r.enabled,
      conditions: r.conditions.map((c) => ({ field: c.field, operator: c.operator, value: Array.isArray(c.value) ? c.value.join(', ') : String(c.value) })),
      actions: r.actions.map((a) => ({ type: a.type, param: ACTIONS[a.type] ? String(a[ACTIONS[a.type]!] ?? '') : '' })),
    });
  };
  return (
    <div className="admin-section" data-testid="rules-admin">
      <h3>{t('service.admin.rules')}</h3>
      <table className="table">
        <thead>
          <tr>
            <th>{t('service.admin.name')}</th>
            <th>{t('service.admin.event')}</th>
            <th>{t('service.admin.enabled')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(rules.data ?? []).map((r) => (
            <tr key={r.id} data-testid="rule-row">
              <td>{r.name}</td>
              <td>{t(`service.events.${r.event.replace('.', '_')}` as 'service.events.message_created')}</td>
              <td>
                <input type="checkbox" checked={r.enabled} onChange={() => toggle.mutate(r)} aria-label={t('service.admin.enabled')} />
              </td>
              <td>
                <button className="link" onClick={() => edit(r)}>
                  {t('service.admin.edit')}
                </button>{' '}
                <button className="link" onClick={() => remove.mutate(r.id)}>
                  {t('service.admin.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="form-grid"
        data-testid="rule-form"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <h4>{editing ? t('service.admin.editRule') : t('service.admin.newRule')}</h4>
        <label>
          {t('service.admin.name')} <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} data-testid="rule-name" />{' '}
          <FieldError errors={errors} path="name" />
        </label>
        <label>
          {t('service.admin.event')}{' '}
          <select value={form.event} onChange={(e) => setForm({ ...form, event: e.target.value })}>
            {EVENTS.map((ev) => (
              <option key={ev} value={ev}>
                {t(`service.events.${ev.replace('.', '_')}` as 'service.events.message_created')}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>{t('service.admin.conditions')}</legend>
          {form.conditions.map((c, i) => (
            <div key={i} className="action-row">
              <select value={c.field} onChange={(e) => setForm({ ...form, conditions: form.conditions.map((x, j) => (j === i ? { ...x, field: e.target.value } : x)) })}>
                {FIELDS.map((f) => (
                  <option key={f} value={f}>
                    {t(`service.fields.${f}` as 'service.fields.channel')}
                  </option>
                ))}
              </select>
              <select value={c.operator} onChange={(e) => setForm({ ...form, conditions: form.conditions.map((x, j) => (j === i ? { ...x, operator: e.target.value } : x)) })}>
                {OPERATORS.map((o) => (
                  <option key={o} value={o}>
                    {t(`service.operators.${o}` as 'service.operators.equals')}
                  </option>
                ))}
              </select>
              <input
                value={String(c.value)}
                onChange={(e) => setForm({ ...form, conditions: form.conditions.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)) })}
                data-testid={`condition-${i}-value`}
              />
              <button type="button" className="link" onClick={() => setForm({ ...form, conditions: form.conditions.filter((_, j) => j !== i) })}>
                ✕
              </button>
              <FieldError errors={errors} path={`conditions.${i}.value`} />
              <FieldError errors={errors} path={`conditions.${i}.field`} />
            </div>
          ))}
          <button type="button" className="link" onClick={() => setForm({ ...form, conditions: [...form.conditions, { field: 'channel', operator: 'equals', value: '' }] })}>
            + {t('service.admin.addCondition')}
          </button>
        </fieldset>
        <fieldset>
          <legend>{t('service.admin.actions')}</legend>
          <FieldError errors={errors} path="actions" />
          {form.actions.map((a, i) => (
            <div key={i} className="action-row">
              <select value={a.type} onChange={(e) => setForm({ ...form, actions: form.actions.map((x, j) => (j === i ? { ...x, type: e.target.value } : x)) })}>
                {Object.keys(ACTIONS).map((type) => (
                  <option key={type} value={type}>
                    {t(`service.actions.${type}` as 'service.actions.add_label')}
                  </option>
                ))}
              </select>
              {ACTIONS[a.type] && (
                <input
                  value={a.param}
                  placeholder={t(`service.params.${ACTIONS[a.type]}` as 'service.params.label')}
                  onChange={(e) => setForm({ ...form, actions: form.actions.map((x, j) => (j === i ? { ...x, param: e.target.value } : x)) })}
                  data-testid={`action-${i}-param`}
                />
              )}
              <button type="button" className="link" onClick={() => setForm({ ...form, actions: form.actions.filter((_, j) => j !== i) })}>
                ✕
              </button>
              <FieldError errors={errors} path={`actions.${i}.type`} />
              {ACTIONS[a.type] && <FieldError errors={errors} path={`actions.${i}.${ACTIONS[a.type]}`} />}
            </div>
          ))}
          <button type="button" className="link" onClick={() => setForm({ ...form, actions: [...form.actions, { type: 'add_label', param: '' }] })}>
            + {t('service.admin.addAction')}
          </button>
        </fieldset>
        <button className="primary" type="submit" disabled={save.isPending} data-testid="rule-save">
          {editing ? t('service.admin.save') : t('service.admin.create')}
        </button>
        {editing && (
          <button type="button" onClick={() => (setEditing(null), setForm(empty))}>
            {t('service.admin.cancel')}
          </button>
        )}
      </form>
    </div>
  );
}
