import { BUILT_IN_DEFAULT_TEAM, CHANNEL_KINDS } from './routing.constants';
import { channelName } from './routing-reasons';
import type { AgentState, ChannelKind, EligibilityResult, ManualAssignmentCheck, ManualAssignmentWarning, QueuedConversation, TeamSettings } from './routing.types';

type TeamLike = Pick<TeamSettings, 'id' | 'defaultCapacity'> | null;

/**
 * 'fr-CA' / 'FR' / 'fr_FR' -> 'fr'. Agents declare the languages they speak, not regional
 * variants, so matching on the primary subtag avoids stranding a 'pt-BR' customer when
 * a 'pt' speaker is free. Empty means "no preference".
 */
export function normalizeLanguage(code: string | null | undefined): string | null {
  if (!code) return null;
  const trimmed = code.trim();
  if (!trimmed) return null;
  const cut = trimmed.search(/[-_]/);
  return (cut === -1 ? trimmed : trimmed.slice(0, cut)).toLowerCase();
}

// Negative or NaN numbers from bad config mean "cannot take it", never a negative budget.
function nonNegative(value: number): number {
  return value > 0 ? value : 0;
}

/**
 * Max concurrent conversations of `channel` for this agent when working for `team`.
 * The agent override wins, then the team default, then 0 (= cannot take that kind).
 * `team` null stands for the built-in default team used for unassigned conversations.
 */
export function capacityFor(agent: Pick<AgentState, 'capacity'>, team: TeamLike, channel: ChannelKind): number {
  const own = agent.capacity[channel];
  if (own !== undefined && own !== null) return nonNegative(own);
  const fallback = (team ?? BUILT_IN_DEFAULT_TEAM).defaultCapacity[channel];
  if (fallback !== undefined && fallback !== null) return nonNegative(fallback);
  return 0;
}

export function loadFor(agent: Pick<AgentState, 'load'>, channel: ChannelKind): number {
  const load = agent.load[channel];
  return load ? nonNegative(load) : 0;
}

/** True when one more conversation of `channel` keeps the agent within capacity. */
export function hasCapacity(agent: Pick<AgentState, 'capacity' | 'load'>, team: TeamLike, channel: ChannelKind): boolean {
  return loadFor(agent, channel) < capacityFor(agent, team, channel);
}

/**
 * False when no agent could take one more conversation of any channel under any team's settings
 * (`teams` plus the built-in default): then a pass can neither assign nor offer, whatever waits.
 * The scheduler skips reading the queue for such passes; agents and teams are a few rows, a
 * queue in a burst is thousands.
 */
export function anySpareCapacity(agents: readonly Pick<AgentState, 'capacity' | 'load'>[], teams: readonly TeamLike[]): boolean {
  const settings: TeamLike[] = [null, ...teams];
  return agents.some((a) => CHANNEL_KINDS.some((k) => settings.some((t) => hasCapacity(a, t, k))));
}

/**
 * A conversation only requires membership when it belongs to the team whose settings route it.
 * A conversation pointing at a team that no longer exists is routed with the default settings,
 * where every online agent may take it, rather than being stranded forever.
 */
export function requiresMembership(conv: Pick<QueuedConversation, 'teamId'>, team: TeamLike): boolean {
  return conv.teamId !== null && team !== null && conv.teamId === team.id;
}

/** Routing never gives a conversation to an agent who could not open it. */
export function isInboxMember(agent: Pick<AgentState, 'inboxIds'>, conv: Pick<QueuedConversation, 'inboxId'>): boolean {
  return conv.inboxId === undefined || (agent.inboxIds ?? []).includes(conv.inboxId);
}

export function hasAllSkills(agent: Pick<AgentState, 'skills'>, required: readonly string[]): boolean {
  for (const skill of required) if (!agent.skills.includes(skill)) return false;
  return true;
}

/** An agent with no declared languages speaks none: language-specific work goes to someone who said they can. */
export function speaksLanguage(agent: Pick<AgentState, 'languages'>, language: string | null): boolean {
  const wanted = normalizeLanguage(language);
  if (wanted === null) return true;
  for (const spoken of agent.languages) if (normalizeLanguage(spoken) === wanted) return true;
  return false;
}

/**
 * Whether automatic routing may give `conv` to `agent` under `team`'s settings.
 * Declines are not checked here: they only matter relative to the other candidates, which decide() knows.
 */
export function isEligible(agent: AgentState, conv: QueuedConversation, team: TeamLike): EligibilityResult {
  if (agent.presence !== 'online') return { ok: false, code: 'AGENT_OFFLINE' };
  if (!isInboxMember(agent, conv)) return { ok: false, code: 'NOT_INBOX_MEMBER' };
  if (requiresMembership(conv, team) && !agent.teamIds.includes(conv.teamId as string)) {
    return { ok: false, code: 'NOT_IN_TEAM' };
  }
  if (!hasAllSkills(agent, conv.requiredSkills)) return { ok: false, code: 'MISSING_SKILL' };
  if (!speaksLanguage(agent, conv.language)) return { ok: false, code: 'LANGUAGE_MISMATCH' };
  if (!hasCapacity(agent, team, conv.channel)) return { ok: false, code: 'AGENT_AT_CAPACITY' };
  return { ok: true };
}

/**
 * Coordinator override. Presence, team, skills and language are the coordinator's call, so they come
 * back as warnings for the UI to surface; only going over capacity needs an explicit `force`, because
 * that is the one that silently overloads a person.
 */
export function checkManualAssignment(agent: AgentState, conv: QueuedConversation, team: TeamLike, opts: { force: boolean }): ManualAssignmentCheck {
  const warnings: ManualAssignmentWarning[] = [];
  if (agent.presence === 'away') warnings.push('AGENT_AWAY');
  else if (agent.presence !== 'online') warnings.push('AGENT_OFFLINE');
  if (requiresMembership(conv, team) && !agent.teamIds.includes(conv.teamId as string)) warnings.push('NOT_IN_TEAM');
  if (!hasAllSkills(agent, conv.requiredSkills)) warnings.push('MISSING_SKILL');
  if (!speaksLanguage(agent, conv.language)) warnings.push('LANGUAGE_MISMATCH');
  if (conv.declinedBy.includes(agent.id)) warnings.push('PREVIOUSLY_DECLINED');

  if (hasCapacity(agent, team, conv.channel)) return { ok: true, overCapacity: false, warnings };
  if (opts.force) return { ok: true, overCapacity: true, warnings };

  const capacity = capacityFor(agent, team, conv.channel);
  const load = loadFor(agent, conv.channel);
  const kind = channelName(conv.channel);
  const message =
    capacity === 0
      ? `${agent.name} is not set up to take ${kind} conversations (capacity 0); assign with force to override`
      : `${agent.name} already has ${load} of ${capacity} ${kind} conversations; assign with force to exceed capacity`;
  return { ok: false, code: 'AGENT_AT_CAPACITY', message };
}
