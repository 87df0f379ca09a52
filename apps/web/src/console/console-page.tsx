import { useEffect, useMemo, useState, type DragEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { get } from '../api/client';
import type { ConversationSummary, QueueStats } from '../api/types';
import { CommandError, useLive } from '../live/live';
import { useStoreSelect } from '../live/conversation-store';
import { useFormat } from '../i18n/format';
import { useTeams } from '../session/session';
import { SlaWatch } from '../sla/sla-widgets';
import { useConversationContactLabel } from '../inbox/contact-label';

type Agent = QueueStats['agents'][number];

function useTick(ms = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

const DRAG_TYPE = 'application/x-conversation-id';

function ConversationCard({ c, agents, now }: { c: ConversationSummary; agents: Agent[]; now: number }) {
  const { t } = useTranslation();
  const contactLabel = useConversationContactLabel();
  const live = useLive();
  const fmt = useFormat();
  const { data: teams } = useTeams();
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);

  const run = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setMsg({ ok: true, text: t('console.done', { what }) });
    } catch (err) {
      setMsg({ ok: false, text: t('console.failed', { message: (err as Error).message }) });
    }
  };
  const assign = (agentId: string, name: string) =>
    run(name, async () => {
      try {
        await live.command('coordinator.assign', { conversationId: c.id, agentId });
      } catch (err) {
        if (err instanceof CommandError && err.code === 'AGENT_AT_CAPACITY' && window.confirm(t('console.overCapacity'))) {
          await live.command('coordinator.assign', { conversationId: c.id, agentId, force: true });
        } else throw err;
      }
    });
  const waited = c.waitingSince ? (now - new Date(c.waitingSince).getTime()) / 1000 : null;

  return (
    <div className="q-card" draggable onDragStart={(e: DragEvent) => e.dataTransfer.setData(DRAG_TYPE, c.id)} data-testid="console-conversation" data-conversation-id={c.id}>
      <div className="q-top">
        <span className={`chan chan-${c.channel}`}>{t(`channel.${c.channel}`)}</span>
        <Link to={`/inbox/${c.id}`} className="ellipsis">
          <strong>{contactLabel(c)}</strong>
        </Link>
        {c.language && <span className="pill">{c.language}</span>}
        <span className={`prio prio-${c.priority}`}>{t(`priority.p${c.priority}` as 'priority.p0')}</span>
        {waited !== null && <span className="muted small nowrap">{t('console.waitTime', { time: fmt.duration(waited) })}</span>}
      </div>
      {c.assignmentReason && (
        <div className="muted small" data-testid="console-reason">
          {t('console.reason', { reason: c.assignmentReason })}
        </div>
      )}
      <div className="q-actions">
        <select
          aria-label={t('console.assignTo')}
          data-testid="assign-picker"
          value=""
          onChange={(e) => e.target.value && void assign(e.target.value, agents.find((a) => a.agentId === e.target.value)?.name ?? '')}
        >
          <option value="">{t('console.assignTo')}</option>
          {agents
            .filter((a) => a.agentId !== c.assigneeId)
            .map((a) => (
              <option key={a.agentId} value={a.agentId}>
                {a.name} · {t(`presence.${a.presence}`)}
              </option>
            ))}
        </select>
        <select
          aria-label={t('console.transferTo')}
          value=""
          onChange={(e) =>
            e.target.value &&
            void run(teams?.find((x) => x.id === e.target.value)?.name ?? '', () => live.command('coordinator.transfer', { conversationId: c.id, teamId: e.target.value }))
          }
        >
          <option value="">{t('console.transferTo')}</option>
          {(teams ?? []).map((tm) => (
            <option key={tm.id} value={tm.id}>
              {tm.name}
            </option>
          ))}
        </select>
        <button className="small" onClick={() => void run(t('console.takeOver'), () => live.command('coordinator.takeover', { conversationId: c.id }))}>
          {t('console.takeOver')}
        </button>
        {c.assigneeId && (
          <button className="small" onClick={() => void run(t('console.unassign'), () => live.command('coordinator.unassign', { conversationId: c.id }))}>
            {t('console.unassign')}
          </button>
        )}
      </div>
      {msg && <div className={`small ${msg.ok ? 'ok' : 'error'}`}>{msg.text}</div>}
    </div>
  );
}

function AgentCard({ a, conversations, agents, now }: { a: Agent; conversations: ConversationSummary[]; agents: Agent[]; now: number }) {
  const { t } = useTranslation();
  const live = useLive();
  const fmt = useFormat();
  const [over, setOver] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const kinds = [...new Set([...Object.keys(a.capacity), ...Object.keys(a.load)])].sort();

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const id = e.dataTransfer.getData(DRAG_TYPE);
    if (!id) return;
    setError(null);
    try {
      await live.command('coordinator.assign', { conversationId: id, agentId: a.agentId });
    } catch (err) {
      if (err instanceof CommandError && err.code === 'AGENT_AT_CAPACITY' && window.confirm(t('console.overCapacity'))) {
        await live.command('coordinator.assign', { conversationId: id, agentId: a.agentId, force: true }).catch((e2) => setError((e2 as Error).message));
      } else setError((err as Error).message);
    }
  };

  return (
    <div
      className={`agent-card ${over ? 'drop' : ''}`}
      data-testid="agent-card"
      data-agent-id={a.agentId}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => void onDrop(e)}
    >
      <div className="agent-top">
        <span className={`presence-dot presence-${a.presence}`} aria-hidden />
        <strong>{a.name}</strong>
        <span className="muted small">{t(`presence.${a.presence}`)}</span>
      </div>
      <div className="loads">
        {kinds.map((k) => {
          const load = a.load[k] ?? 0;
          const cap = a.capacity[k] ?? 0;
          const pct = cap ? Math.min(100, (load / cap) * 100) : load ? 100 : 0;
          return (
            <div key={k} className="load" title={`${t(`channel.${k}` as 'channel.api')}: ${load}/${cap}`}>
              <span className="small">{t(`channel.${k}` as 'channel.api')}</span>
              <span className="bar">
                <span style={{ width: `${pct}%` }} className={pct >= 100 ? 'full' : ''} />
              </span>
              <span className="small nowrap">
                {fmt.number(load)} / {fmt.number(cap)}
              </span>
            </div>
          );
        })}
      </div>
      <div className="muted small">{t('console.lastAssigned', { time: a.lastAssignedAt ? fmt.relative(a.lastAssignedAt, now) : t('console.never') })}</div>
      <div className="agent-convs">
        {conversations.map((c) => (
          <ConversationCard key={c.id} c={c} agents={agents} now={now} />
        ))}
      </div>
      {error && <div className="error small">{t('console.failed', { message: error })}</div>}
    </div>
  );
}

export default function ConsolePage() {
  const { t } = useTranslation();
  const live = useLive();
  const fmt = useFormat();
  const now = useTick();
  const stats = useQuery({ queryKey: ['routing-stats'], queryFn: () => get<QueueStats>('/routing/stats') });
  useQuery({
    queryKey: ['console-conversations'],
    queryFn: async () => {
      const [waiting, active] = await Promise.all([
        get<{ items: ConversationSummary[] }>('/conversations?assigneeId=none&status=open,pending,bot&limit=200'),
        get<{ items: ConversationSummary[] }>('/conversations?status=open,pending&limit=200'),
      ]);
      live.store.upsert([...waiting.items, ...active.items]);
      return true;
    },
  });
  const open = useStoreSelect(live.store, (s) => [...s.all()].filter((c) => c.status === 'open' || c.status === 'pending' || c.status === 'bot'));
  const agents = stats.data?.agents ?? [];
  const waiting = useMemo(
    () => open.filter((c) => !c.assigneeId).sort((a, b) => b.priority - a.priority || (a.waitingSince ?? a.createdAt).localeCompare(b.waitingSince ?? b.createdAt)),
    [open],
  );
  const teams = stats.data?.teams ?? [];

  return (
    <div className="console" data-testid="console">
      <section className="queue-pane">
        <h2>{t('console.queue')}</h2>
        <div className="team-stats">
          {teams.map((tm) => (
            <div key={tm.teamId ?? 'none'} className="team-stat">
              <strong>{tm.teamId ? tm.name : t('console.noTeam')}</strong>
              <span>{t('console.waiting', { n: fmt.number(tm.waiting) })}</span>
              {tm.waiting > 0 && <span className="muted small">{t('console.oldestWait', { time: fmt.duration(tm.oldestWaitSeconds) })}</span>}
            </div>
          ))}
        </div>
        <p className="muted small">{t('console.dragHint')}</p>
        {waiting.length === 0 && <p className="muted">{t('console.noWaiting')}</p>}
        {groupByTeam(waiting, teams).map(([teamName, list]) => (
          <div key={teamName}>
            <h4>{teamName || t('console.noTeam')}</h4>
            {list.map((c) => (
              <ConversationCard key={c.id} c={c} agents={agents} now={now} />
            ))}
          </div>
        ))}
      </section>
      <SlaWatch conversations={open} />
      <section className="board-pane">
        <h2>{t('console.agents')}</h2>
        <div className="board">
          {agents.map((a) => (
            <AgentCard key={a.agentId} a={a} agents={agents} now={now} conversations={open.filter((c) => c.assigneeId === a.agentId)} />
          ))}
        </div>
      </section>
    </div>
  );
}

function groupByTeam(list: ConversationSummary[], teams: QueueStats['teams']): Array<[string, ConversationSummary[]]> {
  const names = new Map(teams.map((x) => [x.teamId, x.name]));
  const groups = new Map<string, ConversationSummary[]>();
  for (const c of list) {
    const name = (c.teamId && names.get(c.teamId)) || '';
    groups.set(name, [...(groups.get(name) ?? []), c]);
  }
  return [...groups.entries()];
}
