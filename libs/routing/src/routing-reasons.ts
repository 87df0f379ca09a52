import type { ChannelKind, RequeueCause, RoutingReason, WaitReasonCode } from './routing.types';

const LANGUAGE_NAMES: Record<string, string> = {
  en: 'English',
  fr: 'French',
  it: 'Italian',
  es: 'Spanish',
  uk: 'Ukrainian',
  de: 'German',
  pt: 'Portuguese',
};

const CHANNEL_NAMES: Record<ChannelKind, string> = {
  api: 'API',
  email: 'email',
  webchat: 'web chat',
  slack: 'Slack',
  whatsapp: 'WhatsApp',
  messenger: 'Messenger',
  instagram: 'Instagram',
  telegram: 'Telegram',
  x: 'X',
  phone: 'phone',
};

/** English name for the common codes; anything else is shown as the code so nothing is hidden. */
export function languageName(code: string): string {
  return LANGUAGE_NAMES[code.toLowerCase()] ?? code;
}

export function channelName(kind: string): string {
  return CHANNEL_NAMES[kind as ChannelKind] ?? kind;
}

/** "billing", "billing and refunds", "billing, refunds and vip". */
export function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** Coarse, human-sized duration: the reason is read by people, not parsed. */
export function humanDuration(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs < MINUTE) return 'less than a minute';
  if (abs < HOUR) return plural(Math.floor(abs / MINUTE), 'minute');
  if (abs < DAY) return plural(Math.floor(abs / HOUR), 'hour');
  return plural(Math.floor(abs / DAY), 'day');
}

/**
 * The qualifiers describing "who could take this conversation". Built once per candidate pool
 * in a pass and reused for every decision in that pool, which keeps string work off the hot path.
 */
export interface ReasonGroup {
  language: string | null;
  skills: readonly string[];
  teamId: string | null;
  teamName: string | null;
  /** "French-speaking " (or '') — sits before "agent(s)". */
  pre: string;
  /** " with the billing skill in Billing" (or '') — sits after "agent(s)". */
  post: string;
  /** " with the billing skill" (or ''). */
  withSkills: string;
  /** " in Billing" (or ''). */
  inTeam: string;
  /** Params shared by every reason about this group, copied into each reason. */
  params: Readonly<Record<string, string | number>>;
}

export function reasonGroup(language: string | null, skills: readonly string[], teamId: string | null, teamName: string | null): ReasonGroup {
  const pre = language ? `${languageName(language)}-speaking ` : '';
  const withSkills = skills.length ? ` with the ${joinList(skills)} skill${skills.length === 1 ? '' : 's'}` : '';
  const inTeam = teamName ? ` in ${teamName}` : '';
  const params: Record<string, string | number> = {};
  if (language) params.language = language;
  if (skills.length) params.skills = skills.join(',');
  if (teamId !== null) {
    params.teamId = teamId;
    if (teamName) params.team = teamName;
  }
  return { language, skills, teamId, teamName, pre, post: withSkills + inTeam, withSkills, inTeam, params };
}

function groupParams(group: ReasonGroup, channel: string): Record<string, string | number> {
  return { channel, ...group.params };
}

/** "4 eligible French-speaking agents in Billing" / "1 eligible agent". */
function eligibleAgents(count: number, group: ReasonGroup): string {
  return `${count} eligible ${group.pre}agent${count === 1 ? '' : 's'}${group.post}`;
}

interface AgentRef {
  id: string;
  name: string;
}

export function leastBusyReason(group: ReasonGroup, channel: string, count: number, agent: AgentRef): RoutingReason {
  const params = groupParams(group, channel);
  params.count = count;
  params.agent = agent.name;
  params.agentId = agent.id;
  const text = count === 1 ? `the only eligible ${group.pre}agent${group.post} with capacity` : `least busy of ${eligibleAgents(count, group)}`;
  return { code: 'least_busy', params, text };
}

export function roundRobinReason(group: ReasonGroup, channel: string, count: number, agent: AgentRef): RoutingReason {
  const params = groupParams(group, channel);
  params.count = count;
  params.agent = agent.name;
  params.agentId = agent.id;
  const text = count === 1 ? `the only eligible ${group.pre}agent${group.post} with capacity (round-robin)` : `next in round-robin rotation of ${eligibleAgents(count, group)}`;
  return { code: 'round_robin', params, text };
}

export function stickyReason(group: ReasonGroup, channel: string, agent: AgentRef, agoMs: number): RoutingReason {
  const params = groupParams(group, channel);
  params.agent = agent.name;
  params.agentId = agent.id;
  params.agoSeconds = Math.max(0, Math.floor(agoMs / 1000));
  const ago = agoMs < MINUTE ? 'moments ago' : `${humanDuration(agoMs)} ago`;
  return { code: 'sticky', params, text: `returning customer, back to ${agent.name} who served them ${ago}` };
}

export function noAgentOnlineReason(group: ReasonGroup, channel: string): RoutingReason {
  return {
    code: 'no_agent_online',
    params: groupParams(group, channel),
    text: group.teamName ? `no agent in ${group.teamName} is online` : 'no agent is online',
  };
}

/** Which requirement nobody online satisfies; 'combination' = each is met by someone, never together. */
export type UnmetRequirement = 'inbox' | 'skills' | 'language' | 'skills_and_language' | 'combination' | 'channel';

export function noEligibleAgentReason(
  group: ReasonGroup,
  channel: string,
  requirement: UnmetRequirement,
  detail: { missingSkills?: readonly string[]; count?: number } = {},
): RoutingReason {
  const params = groupParams(group, channel);
  params.requirement = requirement;
  const missing = detail.missingSkills?.length ? detail.missingSkills : group.skills;
  if (requirement === 'skills' || requirement === 'skills_and_language') params.missingSkills = missing.join(',');
  const who = `no online agent${group.inTeam}`;
  const skillNoun = (list: readonly string[]) => `the ${joinList(list)} skill${list.length === 1 ? '' : 's'}`;
  const lang = group.language ? languageName(group.language) : '';
  let text: string;
  switch (requirement) {
    case 'inbox':
      text = `${who} is a member of this conversation's inbox`;
      break;
    case 'skills':
      text = `${who} has ${skillNoun(missing)}`;
      break;
    case 'language':
      text = `${who} speaks ${lang}`;
      break;
    case 'skills_and_language':
      text = `${who} speaks ${lang}, and none has ${skillNoun(missing)}`;
      break;
    case 'combination':
      text = group.language ? `${who} both speaks ${lang} and has ${skillNoun(group.skills)}` : `${who} has all of ${skillNoun(group.skills)} together`;
      break;
    case 'channel': {
      const count = detail.count ?? 0;
      params.count = count;
      const kind = channelName(channel);
      text =
        count === 1
          ? `the only eligible ${group.pre}agent${group.post} cannot take ${kind} conversations (capacity 0)`
          : `none of the ${eligibleAgents(count, group)} can take ${kind} conversations (capacity 0)`;
      break;
    }
  }
  return { code: 'no_eligible_agent', params, text };
}

export function allAtCapacityReason(group: ReasonGroup, channel: string, count: number): RoutingReason {
  const params = groupParams(group, channel);
  params.count = count;
  const text =
    count === 1
      ? `the only eligible ${group.pre}agent${group.post} is at capacity for ${channelName(channel)}`
      : `all ${eligibleAgents(count, group)} are at capacity for ${channelName(channel)}`;
  return { code: 'all_at_capacity', params, text };
}

export function allDeclinedReason(group: ReasonGroup, channel: string, count: number): RoutingReason {
  const params = groupParams(group, channel);
  params.count = count;
  const text =
    count === 1 ? `the only eligible ${group.pre}agent${group.post} declined or let the offer expire` : `all ${eligibleAgents(count, group)} declined or let the offer expire`;
  return { code: 'all_declined', params, text };
}

export function closedHoursReason(teamId: string | null, teamName: string | null, timezone: string): RoutingReason {
  const params: Record<string, string | number> = { timezone };
  if (teamId !== null) {
    params.teamId = teamId;
    if (teamName) params.team = teamName;
  }
  return {
    code: 'closed_hours',
    params,
    text: `${teamName ?? 'the inbox'} is outside business hours (${timezone})`,
  };
}

export function manualPickReason(group: ReasonGroup, channel: string, count: number): RoutingReason {
  const params = groupParams(group, channel);
  params.count = count;
  const subject = group.teamName ?? 'this inbox';
  const candidates = count === 0 ? 'no eligible agent has capacity right now' : `${count} eligible ${group.pre}agent${count === 1 ? '' : 's'}${group.withSkills} with capacity`;
  return {
    code: 'manual_pick',
    params,
    text: `${subject} uses manual assignment: waiting for a coordinator to pick an agent (${candidates})`,
  };
}

const OVERFLOW_CAUSES: Partial<Record<WaitReasonCode, string>> = {
  no_agent_online: 'no agent online',
  no_eligible_agent: 'no eligible agent',
  all_at_capacity: 'all eligible agents at capacity',
  closed_hours: 'outside business hours',
  manual_pick: 'not picked manually',
  all_declined: 'all eligible agents declined',
};

export function overflowReason(from: { id: string; name: string }, to: { id: string; name: string }, waitedMs: number, cause: WaitReasonCode): RoutingReason {
  return {
    code: 'overflow',
    params: {
      fromTeamId: from.id,
      fromTeam: from.name,
      toTeamId: to.id,
      toTeam: to.name,
      waitedSeconds: Math.max(0, Math.floor(waitedMs / 1000)),
      cause,
    },
    text: `waited ${humanDuration(waitedMs)} in ${from.name} (${OVERFLOW_CAUSES[cause] ?? cause}); overflowing to ${to.name}`,
  };
}

export function requeueReason(agentId: string, agentName: string | undefined, why: RequeueCause): RoutingReason {
  const who = agentName ?? agentId;
  const params: Record<string, string | number> = { agentId, agent: who };
  switch (why) {
    case 'offline':
      return { code: 'requeued_agent_offline', params, text: `requeued because ${who} went offline` };
    case 'removed_from_team':
      return { code: 'requeued_removed_from_team', params, text: `requeued because ${who} was removed from the team` };
    case 'removed_from_inbox':
      return { code: 'requeued_removed_from_inbox', params, text: `requeued because ${who} was removed from the inbox` };
  }
}
