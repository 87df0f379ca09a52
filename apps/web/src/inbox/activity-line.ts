import type { MessageSummary, RoutingActivityMetadata } from '@inbox/realtime-contract';
import { duration } from '../i18n/format';

/**
 * Writes an activity line in the reader's language from the codes and params the server stores
 * next to its English `text` (see the contract's activity.ts). Pure: the translation function, the
 * language and the name look-ups come in, so a test can walk every code in every language.
 */
export interface ActivityContext {
  t(key: string, params?: Record<string, unknown>): string;
  lng: string;
  agentName(id: string | null | undefined): string | null;
  teamName(id: string | null | undefined): string | null;
  dateTime(iso: string): string;
}

type Params = Record<string, string | number | undefined>;
const K = 'activityLine';

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

export function languageLabel(code: string, lng: string): string {
  try {
    return new Intl.DisplayNames([lng], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** " (speaking French, skills: billing, team Billing)" or ''. */
function groupPhrase(p: Params, ctx: ActivityContext, parts: Array<'language' | 'skills' | 'team'> = ['language', 'skills', 'team']): string {
  const out: string[] = [];
  if (parts.includes('language') && p.language) out.push(ctx.t(`${K}.group.language`, { language: languageLabel(str(p.language), ctx.lng) }));
  if (parts.includes('skills') && p.skills) out.push(ctx.t(`${K}.group.skills`, { skills: str(p.skills).split(',').join(', ') }));
  if (parts.includes('team') && p.team) out.push(ctx.t(`${K}.group.team`, { team: str(p.team) }));
  return out.length ? ` (${out.join(', ')})` : '';
}

function channelLabel(c: unknown, ctx: ActivityContext): string {
  return c ? ctx.t(`channel.${str(c)}`) : '';
}

/** A routing reason (libs/routing/src/routing-reasons.ts) as a clause, e.g. "least busy of the eligible agents (2)". */
export function reasonText(code: string, p: Params, ctx: ActivityContext): string {
  const n = Number(p.count ?? 0);
  const channel = channelLabel(p.channel, ctx);
  switch (code) {
    case 'least_busy':
    case 'round_robin':
      return ctx.t(`${K}.reason.${code}${n === 1 ? '_single' : ''}`, { n, group: groupPhrase(p, ctx) });
    case 'sticky':
      return ctx.t(`${K}.reason.sticky`, { agent: str(p.agent), ago: duration(ctx.lng, Number(p.agoSeconds ?? 0)) });
    case 'no_agent_online':
      return ctx.t(`${K}.reason.no_agent_online`, { group: groupPhrase(p, ctx, ['team']) });
    case 'no_eligible_agent': {
      const requirement = str(p.requirement) || 'combination';
      const skills = str(p.missingSkills || p.skills)
        .split(',')
        .filter(Boolean)
        .join(', ');
      const language = p.language ? languageLabel(str(p.language), ctx.lng) : '';
      return ctx.t(`${K}.requirement.${requirement}`, { skills, language, channel, n, group: groupPhrase(p, ctx, ['team']) });
    }
    case 'all_at_capacity':
    case 'all_declined':
      return ctx.t(`${K}.reason.${code}`, { n, channel, group: groupPhrase(p, ctx) });
    case 'closed_hours':
      return p.team ? ctx.t(`${K}.reason.closed_hours`, { team: str(p.team), timezone: str(p.timezone) }) : ctx.t(`${K}.reason.closed_hours_inbox`, { timezone: str(p.timezone) });
    case 'manual_pick':
      return ctx.t(`${K}.reason.manual_pick`, { n, group: groupPhrase(p, ctx) });
    case 'overflow':
      return ctx.t(`${K}.reason.overflow`, {
        from: str(p.fromTeam),
        to: str(p.toTeam),
        duration: duration(ctx.lng, Number(p.waitedSeconds ?? 0)),
        cause: p.cause ? ctx.t(`${K}.cause.${str(p.cause)}`) : '',
      });
    case 'requeued_agent_offline':
    case 'requeued_removed_from_team':
    case 'requeued_removed_from_inbox':
      return ctx.t(`${K}.reason.${code}`, { agent: str(p.agent) });
    default:
      return '';
  }
}

function priorityLabel(v: unknown, ctx: ActivityContext): string {
  return ctx.t(`priority.p${Math.max(0, Math.min(3, Number(v) || 0))}`);
}

function routingLine(r: RoutingActivityMetadata, ctx: ActivityContext): string | null {
  const p: Params = r.params ?? {};
  const agent = str(p.agent) || ctx.agentName(r.agentId ?? r.previousAgentId) || ctx.t('conversation.someone');
  const over = r.overCapacity ? ` ${ctx.t(`${K}.overCapacity`)}` : '';
  const team = str(p.team) || ctx.teamName(r.teamId) || '';
  switch (r.action) {
    case 'assign':
    case 'accept': {
      const code = r.code ?? '';
      if (r.action === 'accept' || code === 'accepted') return ctx.t(`${K}.accepted`, { agent }) + over;
      if (code === 'least_busy' || code === 'round_robin' || code === 'sticky') return ctx.t(`${K}.assignedByRouting`, { agent, reason: reasonText(code, p, ctx) }) + over;
      if (code === 'manual') return (p.by ? ctx.t(`${K}.manual`, { agent, by: str(p.by) }) : ctx.t(`${K}.manualNoName`, { agent })) + over;
      if (code === 'takeover' || code === 'claimed' || code === 'started') return ctx.t(`${K}.${code}`, { agent }) + over;
      if (code === 'rule') return ctx.t(`${K}.rule`, { agent, rule: str(p.rule) }) + over;
      return ctx.t(`${K}.assigned`, { agent }) + over;
    }
    case 'decline':
    case 'expire':
      return ctx.t(`${K}.${r.action}`, { agent });
    case 'unassign':
      return ctx.t(`${K}.unassign`);
    case 'transfer':
      return team ? ctx.t(`${K}.transfer`, { team }) : ctx.t(`${K}.transferNoTeam`);
    case 'handoff':
      return team ? ctx.t(`${K}.handoff`, { team }) : ctx.t(`${K}.handoffNoTeam`);
    case 'requeue':
      return r.code ? ctx.t(`${K}.requeue`, { reason: reasonText(r.code, p, ctx) }) : ctx.t(`${K}.requeueNoReason`);
    case 'overflow':
      return ctx.t(`${K}.overflow`, { reason: reasonText('overflow', p, ctx) });
    default:
      return null;
  }
}

/** `metadata.activity`: timers, service levels, automation rules, escalation. */
function systemLine(code: string, p: Params, ctx: ActivityContext): string | null {
  switch (code) {
    case 'snooze_ended':
    case 'rule_send_canned_response':
    case 'rule_add_note':
    case 'rule_send_webhook':
    case 'rule_resolve':
      return ctx.t(`${K}.system.${code}`, { rule: str(p.rule) });
    case 'sla_applied':
    case 'sla_removed':
      return ctx.t(`${K}.system.${code}`, { policy: str(p.policy) });
    case 'sla_changed':
      return ctx.t(`${K}.system.sla_changed`, { from: str(p.from), to: str(p.to) });
    case 'sla_warning':
    case 'sla_breached':
      return ctx.t(`${K}.system.${code}`, { kind: ctx.t(`${K}.slaKind.${str(p.kind) || 'resolution'}`), due: p.dueAt ? ctx.dateTime(str(p.dueAt)) : '', policy: str(p.policy) });
    case 'escalated':
      return ctx.t(`${K}.system.escalated`, { team: str(p.team), by: str(p.by) });
    case 'reply_timeout':
      return ctx.t(`${K}.system.reply_timeout`, { agent: str(p.agent), duration: duration(ctx.lng, Number(p.seconds ?? 0)) });
    case 'rule_set_team':
      return ctx.t(`${K}.system.rule_set_team`, { rule: str(p.rule), team: str(p.team) });
    case 'rule_add_label':
    case 'rule_remove_label':
      return ctx.t(`${K}.system.${code}`, { rule: str(p.rule), label: str(p.label) });
    case 'rule_set_priority':
      return ctx.t(`${K}.system.rule_set_priority`, { rule: str(p.rule), from: priorityLabel(p.from, ctx), to: priorityLabel(p.to, ctx) });
    case 'rule_assign_agent':
      return ctx.t(`${K}.system.rule_assign_agent`, { rule: str(p.rule), agent: ctx.agentName(str(p.agentId)) ?? ctx.t('conversation.someone') });
    case 'rule_snooze':
      return ctx.t(`${K}.system.rule_snooze`, { rule: str(p.rule), until: p.until ? ctx.dateTime(str(p.until)) : '' });
    case 'csat_received':
    case 'csat_changed': {
      const r = Number(p.rating);
      const rating = p.scale === 'thumbs' ? ctx.t(r >= 4 ? 'csat.header.up' : 'csat.header.down') : ctx.t('csat.header.rated', { rating: r });
      const line = ctx.t(code === 'csat_received' ? 'csat.activity.received' : 'csat.activity.changed', { rating });
      return p.comment ? ctx.t('csat.activity.withComment', { line, comment: str(p.comment) }) : line;
    }
    default:
      return null;
  }
}

interface ChangeMeta {
  changes?: { status?: string; priority?: number; labels?: string[] };
  previous?: { status?: string; priority?: number; labels?: string[] };
}

function changesLine(meta: ChangeMeta, m: Pick<MessageSummary, 'authorId' | 'authorType'>, ctx: ActivityContext): string | null {
  const c = meta.changes ?? {};
  const prev = meta.previous ?? {};
  const parts: string[] = [];
  if (c.status !== undefined) {
    const to = ctx.t(`status.${c.status}`);
    parts.push(prev.status ? ctx.t(`${K}.change.status`, { from: ctx.t(`status.${prev.status}`), to }) : ctx.t(`${K}.change.statusTo`, { to }));
  }
  if (c.priority !== undefined) {
    const to = priorityLabel(c.priority, ctx);
    parts.push(prev.priority !== undefined ? ctx.t(`${K}.change.priority`, { from: priorityLabel(prev.priority, ctx), to }) : ctx.t(`${K}.change.priorityTo`, { to }));
  }
  if (c.labels !== undefined) parts.push(c.labels.length ? ctx.t(`${K}.change.labels`, { labels: c.labels.join(', ') }) : ctx.t(`${K}.change.labelsNone`));
  if (!parts.length) return null;
  const changes = parts.join('; ');
  const name = m.authorType === 'user' ? ctx.agentName(m.authorId) : m.authorType === 'bot' ? ctx.t('conversation.bot') : null;
  return name ? ctx.t(`${K}.change.by`, { changes, name }) : changes;
}

/** The line to show, or null when the metadata says nothing this client knows (then the server's text is shown). */
export function activityLine(m: Pick<MessageSummary, 'metadata' | 'authorId' | 'authorType'>, ctx: ActivityContext): string | null {
  const meta = (m.metadata ?? {}) as { routing?: RoutingActivityMetadata; activity?: { code?: string; params?: Params } } & ChangeMeta;
  // Escalation and reply timeouts carry both: the system code has the richer params.
  if (meta.activity?.code) {
    const line = systemLine(meta.activity.code, meta.activity.params ?? {}, ctx);
    if (line) return line;
  }
  if (meta.routing?.action) {
    const line = routingLine(meta.routing, ctx);
    if (line) return line;
  }
  if (meta.changes) return changesLine(meta, m, ctx);
  return null;
}
