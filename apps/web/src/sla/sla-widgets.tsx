import { useEffect, useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError, get, post } from '../api/client';
import type { ConversationSummary, MessageSummary } from '../api/types';
import { useLive } from '../live/live';
import { useConversationContactLabel } from '../inbox/contact-label';

/** Ticks once a second while mounted, for countdowns. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** "4m 05s" / "-1h 02m": the time left before the SLA due time (negative once past). */
export function countdown(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${sign}${h}h ${pad(m)}m` : `${sign}${m}m ${pad(s % 60)}s`;
}

/** The SLA badge of a conversation: a countdown to the earliest due time, red once breached. */
export function SlaBadge({ c }: { c: ConversationSummary }) {
  const { t } = useTranslation();
  const now = useNow();
  const sla = c.sla;
  if (!sla) return null;
  const due = sla.dueAt ? Date.parse(sla.dueAt) : null;
  const state = due !== null && due <= now ? 'breached' : sla.state;
  const label = sla.paused ? t('service.paused') : due !== null ? countdown(due - now) : t(`service.state.${sla.state}`);
  return (
    <span
      className={`pill sla sla-${state}`}
      data-testid="sla-badge"
      data-state={state}
      title={t('service.badgeTitle', { policy: sla.policyName, state: t(`service.state.${state}`) })}
    >
      {t('service.sla')} {label}
    </span>
  );
}

interface TeamOption {
  id: string;
  name: string;
  isDepartment?: boolean;
}

/** Escalation to a department with a handoff note, and "assign to me" from the queue. */
export function EscalatePanel({ c }: { c: ConversationSummary }) {
  const { t } = useTranslation();
  const { store } = useLive();
  const [open, setOpen] = useState(false);
  const [teamId, setTeamId] = useState('');
  const [note, setNote] = useState('');
  const [priority, setPriority] = useState<number>(c.priority);
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => get<TeamOption[]>('/teams'), enabled: open });
  const escalate = useMutation({
    mutationFn: () => post<ConversationSummary>(`/conversations/${c.id}/escalate`, { teamId, note, priority }),
    onSuccess: (updated) => {
      store.upsert(updated);
      setOpen(false);
      setNote('');
    },
  });
  const claim = useMutation({ mutationFn: () => post<ConversationSummary>(`/conversations/${c.id}/claim`), onSuccess: (u) => store.upsert(u) });
  const sorted = [...(teams.data ?? [])]
    .filter((x) => x.id !== c.teamId)
    .sort((a, b) => Number(Boolean(b.isDepartment)) - Number(Boolean(a.isDepartment)) || a.name.localeCompare(b.name));
  const error = (e: unknown) => (e instanceof ApiError ? t(`service.errors.${e.code}`, { defaultValue: e.message }) : String(e));
  if (c.status === 'resolved') return null;
  return (
    <div className="action-row">
      {!c.assigneeId && (
        <button onClick={() => claim.mutate()} disabled={claim.isPending} data-testid="claim">
          {t('service.claim')}
        </button>
      )}
      <button onClick={() => setOpen((o) => !o)} aria-expanded={open} data-testid="escalate-toggle">
        {t('service.escalate')}
      </button>
      {claim.isError && <span className="error small">{error(claim.error)}</span>}
      {open && (
        <form
          className="escalate-form"
          data-testid="escalate-form"
          onSubmit={(e) => {
            e.preventDefault();
            escalate.mutate();
          }}
        >
          <label>
            {t('service.department')}
            <select required value={teamId} onChange={(e) => setTeamId(e.target.value)} data-testid="escalate-team">
              <option value="">{t('service.pickDepartment')}</option>
              {sorted.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                  {x.isDepartment ? ` · ${t('service.departmentTag')}` : ''}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('service.note')}
            <textarea required value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('service.notePlaceholder')} data-testid="escalate-note" />
          </label>
          <label>
            {t('priority.label')}
            <select value={priority} onChange={(e) => setPriority(Number(e.target.value))}>
              {[0, 1, 2, 3].map((p) => (
                <option key={p} value={p}>
                  {t(`priority.p${p}` as 'priority.p0')}
                </option>
              ))}
            </select>
          </label>
          <button className="primary" type="submit" disabled={escalate.isPending || !teamId || !note.trim()} data-testid="escalate-submit">
            {t('service.send')}
          </button>
          {escalate.isError && <span className="error small">{error(escalate.error)}</span>}
        </form>
      )}
    </div>
  );
}

/** The latest handoff note, pinned above the timeline: what the receiving agent reads first. */
export function HandoffBanner({ messages }: { messages: MessageSummary[] | undefined }) {
  const { t } = useTranslation();
  const last = [...(messages ?? [])].reverse().find((m) => m.kind === 'note' && m.metadata?.handoff);
  if (!last) return null;
  const h = last.metadata.handoff as { byName?: string; teamName?: string } | true;
  const by = typeof h === 'object' ? h.byName : undefined;
  const team = typeof h === 'object' ? h.teamName : undefined;
  return (
    <div className="handoff-banner" role="note" data-testid="handoff-banner">
      <strong>{t('service.handoffTitle', { by: by ?? t('conversation.someone'), team: team ?? '' })}</strong>
      <div className="text">{last.text}</div>
    </div>
  );
}

/** Console: conversations whose SLA is at risk or breached, soonest first, live from the store. */
export function SlaWatch({ conversations, onOpen }: { conversations: ConversationSummary[]; onOpen?: (id: string) => void }) {
  const { t } = useTranslation();
  const contactLabel = useConversationContactLabel();
  const now = useNow();
  const atRisk = conversations
    .filter((c) => c.sla && c.sla.dueAt && c.status !== 'resolved')
    .sort((a, b) => Date.parse(a.sla!.dueAt!) - Date.parse(b.sla!.dueAt!))
    .filter((c) => c.sla!.state !== 'ok' || Date.parse(c.sla!.dueAt!) - now < 15 * 60_000)
    .slice(0, 30);
  return (
    <section className="sla-watch" data-testid="sla-watch">
      <h3>{t('service.watchTitle')}</h3>
      {atRisk.length === 0 && <p className="muted small">{t('service.watchEmpty')}</p>}
      <ul>
        {atRisk.map((c) => (
          <li key={c.id}>
            <button className="link" onClick={() => onOpen?.(c.id)}>
              {contactLabel(c)}
            </button>{' '}
            <SlaBadge c={c} /> <span className="muted small">{c.sla!.policyName}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
