import { isOpen, type BusinessHours } from '@inbox/business-hours';
import { capacityFor, hasCapacity, isEligible, loadFor } from './eligibility.util';
import { buildBenchInput, mulberry32 } from './engine-bench';
import { BUILT_IN_DEFAULT_TEAM, CHANNEL_KINDS } from './routing.constants';
import { decide } from './routing-engine';
import type { AgentState, CapacityMap, ChannelKind, QueuedConversation, RoutingDecision, RoutingInput, TeamSettings } from './routing.types';
import { DAY, HOUR, MINUTE, NOW, officeHours } from './testing/routing.factories';

/**
 * Straightforward restatement of the routing rules on top of the public per-agent helpers,
 * with none of the engine's indexing. The engine must make exactly the same choices.
 */
function referenceDecide(input: RoutingInput) {
  const { now } = input;
  const agents = input.agents.map((a) => ({ ...a, load: { ...a.load } }));
  const teams = new Map(input.teams.map((t) => [t.id, t]));
  const fallback = input.defaultTeam ?? BUILT_IN_DEFAULT_TEAM;
  const pointers = new Map<string, string | null>();
  const rrOut: Record<string, string> = {};
  const open = (t: TeamSettings) => {
    try {
      return isOpen(t.businessHours, now);
    } catch {
      return true;
    }
  };
  const total = (a: AgentState) => CHANNEL_KINDS.reduce((sum, k) => sum + loadFor(a, k), 0);
  const idle = (a: AgentState) => a.lastAssignedAt ?? -Infinity;

  const queue = [...input.queue].sort((x, y) => y.priority - x.priority || x.waitingSince - y.waitingSince || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const results = queue.map((conv) => {
    const known = conv.teamId === null ? undefined : teams.get(conv.teamId);
    const team = known ?? fallback;
    const target = team.overflowTeamId !== null && team.overflowTeamId !== team.id ? teams.get(team.overflowTeamId) : undefined;
    const overflowDue =
      target !== undefined &&
      team.overflowAfterSeconds !== null &&
      now - conv.waitingSince >= team.overflowAfterSeconds * 1000 &&
      !conv.overflowedFromTeamIds?.includes(target.id) &&
      open(target);
    const wait = (code: string) => (overflowDue ? { type: 'overflow', id: conv.id, to: target!.id } : { type: 'wait', id: conv.id, code });
    if (!open(team)) return wait('closed_hours');

    const eligible = agents.filter((a) => isEligible(a, conv, team).ok && !conv.declinedBy.includes(a.id));
    let chosen: AgentState | undefined;
    let code = '';
    if (team.strategy === 'manual') {
      if (eligible.length > 0 || !overflowDue) return { type: 'wait', id: conv.id, code: 'manual_pick' };
    } else {
      const last = agents.find((a) => a.id === conv.lastAgentId);
      if (team.stickyWindowSeconds > 0 && conv.lastAgentAt !== null && now - conv.lastAgentAt <= team.stickyWindowSeconds * 1000 && last && eligible.includes(last)) {
        chosen = last;
        code = 'sticky';
      } else if (team.strategy === 'round_robin') {
        const byId = [...eligible].sort((x, y) => (x.id < y.id ? -1 : 1));
        const pointer = pointers.has(team.id) ? pointers.get(team.id) : (team.roundRobinLastAgentId ?? null);
        chosen = byId.find((a) => pointer === null || pointer === undefined || a.id > pointer) ?? byId[0];
        code = 'round_robin';
        if (chosen) {
          pointers.set(team.id, chosen.id);
          rrOut[team.id] = chosen.id;
        }
      } else {
        const util = (a: AgentState) => loadFor(a, conv.channel) / capacityFor(a, team, conv.channel);
        chosen = [...eligible].sort((x, y) => util(x) - util(y) || total(x) - total(y) || idle(x) - idle(y) || (x.id < y.id ? -1 : 1))[0];
        code = 'least_busy';
      }
    }
    if (chosen) {
      chosen.load[conv.channel] = loadFor(chosen, conv.channel) + 1;
      chosen.lastAssignedAt = now;
      return { type: team.offerTimeoutSeconds === null ? 'assign' : 'offer', id: conv.id, agent: chosen.id, code };
    }

    const members = agents.filter((a) => a.presence === 'online' && (known === undefined || a.teamIds.includes(known.id)));
    if (members.length === 0) return wait('no_agent_online');
    const matching = members.filter((a) => isEligible({ ...a, load: {}, capacity: { [conv.channel]: 1 } }, conv, team).ok);
    const capable = matching.filter((a) => capacityFor(a, team, conv.channel) > 0);
    if (capable.length === 0) return wait('no_eligible_agent');
    if (capable.every((a) => conv.declinedBy.includes(a.id))) return wait('all_declined');
    return wait('all_at_capacity');
  });
  return { results, rrOut };
}

function project(decisions: RoutingDecision[]) {
  return decisions.map((d) => {
    switch (d.type) {
      case 'assign':
      case 'offer':
        return { type: d.type, id: d.conversationId, agent: d.agentId, code: d.reason.code };
      case 'overflow':
        return { type: d.type, id: d.conversationId, to: d.toTeamId };
      case 'wait':
        return { type: d.type, id: d.conversationId, code: d.reason.code };
    }
  });
}

/** Small, adversarial inputs: tight capacities, declines, sticky, closed and overflowing teams, odd data. */
function randomInput(seed: number): RoutingInput {
  const rnd = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const skills = ['billing', 'refunds', 'vip', 'tax'];
  const languages = ['en', 'fr', 'fr-CA', 'de', 'uk'];
  const kinds: ChannelKind[] = ['email', 'webchat', 'whatsapp'];
  const hours: Array<BusinessHours | null> = [null, null, officeHours('Europe/Paris'), officeHours('America/New_York'), officeHours('Bad/Zone')];
  const capacityMap = (): CapacityMap => Object.fromEntries(kinds.filter(() => rnd() < 0.7).map((k) => [k, int(0, 3)]));

  const teamIds = ['t0', 't1', 't2', 't3'];
  const teams: TeamSettings[] = teamIds.map((id, i) => ({
    id,
    name: `Team ${i}`,
    strategy: pick(['least_busy', 'least_busy', 'round_robin', 'manual'] as const),
    offerTimeoutSeconds: rnd() < 0.3 ? 30 : null,
    stickyWindowSeconds: rnd() < 0.5 ? 3 * 24 * 3600 : 0,
    overflowTeamId: rnd() < 0.5 ? pick([...teamIds, 'ghost']) : null,
    overflowAfterSeconds: rnd() < 0.8 ? int(0, 3600) : null,
    businessHours: pick(hours),
    defaultCapacity: capacityMap(),
    roundRobinLastAgentId: rnd() < 0.5 ? `a${int(0, 25)}` : null,
  }));

  const agentCount = int(0, 24);
  const agents: AgentState[] = Array.from({ length: agentCount }, (_, i) => ({
    id: `a${i}`,
    name: `Agent ${i}`,
    presence: pick(['online', 'online', 'online', 'away', 'offline'] as const),
    teamIds: teamIds.filter(() => rnd() < 0.4),
    skills: skills.filter(() => rnd() < 0.5),
    languages: languages.filter(() => rnd() < 0.4),
    capacity: rnd() < 0.5 ? capacityMap() : {},
    load: Object.fromEntries(kinds.map((k) => [k, int(0, 2)])),
    lastAssignedAt: rnd() < 0.3 ? null : NOW - int(0, 4) * MINUTE,
  }));

  const queue: QueuedConversation[] = Array.from({ length: int(1, 120) }, (_, i) => {
    const sticky = rnd() < 0.3 && agentCount > 0;
    return {
      id: `c${i}`,
      channel: pick(kinds),
      teamId: rnd() < 0.15 ? null : rnd() < 0.05 ? 'ghost-team' : pick(teamIds),
      requiredSkills: skills.filter(() => rnd() < 0.2),
      language: rnd() < 0.5 ? pick(languages) : null,
      priority: int(0, 3),
      waitingSince: NOW - int(0, 3) * 20 * MINUTE,
      lastAgentId: sticky ? `a${int(0, agentCount - 1)}` : null,
      lastAgentAt: sticky ? NOW - int(0, 5) * DAY : null,
      declinedBy: rnd() < 0.2 && agentCount > 0 ? [`a${int(0, agentCount - 1)}`, `a${int(0, agentCount - 1)}`] : [],
      overflowedFromTeamIds: rnd() < 0.1 ? [pick(teamIds)] : undefined,
    };
  });

  const defaultTeam = rnd() < 0.5 ? { ...teams[0], id: 'default', name: 'Default', overflowTeamId: null } : undefined;
  return { now: NOW + int(0, 48) * HOUR, queue, agents, teams, defaultTeam };
}

describe('decide against a straightforward reference implementation', () => {
  it.each(Array.from({ length: 60 }, (_, seed) => seed + 1))('makes the same choices for random input #%i', (seed) => {
    const input = randomInput(seed);
    const expected = referenceDecide(input);
    const actual = decide(input);
    expect(project(actual.decisions)).toEqual(expected.results);
    expect(actual.roundRobinLastAgentId).toEqual(expected.rrOut);
  });
});

describe('decide at scale (1,000 agents x 10,000 queued conversations)', () => {
  const input = buildBenchInput({ agents: 1000, queued: 10000, seed: 7 });
  const output = decide(input);
  const teams = new Map(input.teams.map((t) => [t.id, t]));
  const conversations = new Map(input.queue.map((c) => [c.id, c]));
  const teamOf = (conv: QueuedConversation) => (conv.teamId !== null && teams.get(conv.teamId)) || BUILT_IN_DEFAULT_TEAM;

  it('returns exactly one decision per conversation', () => {
    const ids = output.decisions.map((d) => d.conversationId);
    expect(ids).toHaveLength(input.queue.length);
    expect(new Set(ids).size).toBe(input.queue.length);
    for (const id of ids) expect(conversations.has(id)).toBe(true);
  });

  it('only hands work to eligible agents with room, and never takes anyone over capacity', () => {
    const agents = new Map(input.agents.map((a) => [a.id, { ...a, load: { ...a.load } }]));
    let handedOut = 0;
    for (const decision of output.decisions) {
      if (decision.type !== 'assign' && decision.type !== 'offer') continue;
      const conv = conversations.get(decision.conversationId) as QueuedConversation;
      const agent = agents.get(decision.agentId) as AgentState;
      const team = teamOf(conv);
      expect({ conv: conv.id, result: isEligible(agent, conv, team) }).toEqual({ conv: conv.id, result: { ok: true } });
      expect(conv.declinedBy).not.toContain(agent.id);
      // isEligible includes the capacity check, so replaying the loads proves nobody went over.
      agent.load[conv.channel] = loadFor(agent, conv.channel) + 1;
      handedOut++;
    }
    expect(handedOut).toBeGreaterThan(input.queue.length / 2);
  });

  it('leaves a conversation waiting for capacity only when no eligible agent had room at that point', () => {
    const agents = input.agents.map((a) => ({ ...a, load: { ...a.load } }));
    const byId = new Map(agents.map((a) => [a.id, a]));
    for (const decision of output.decisions) {
      const conv = conversations.get(decision.conversationId) as QueuedConversation;
      if (decision.type === 'assign' || decision.type === 'offer') {
        const agent = byId.get(decision.agentId) as AgentState;
        agent.load[conv.channel] = loadFor(agent, conv.channel) + 1;
      } else if (decision.type === 'wait' && decision.reason.code !== 'manual_pick' && decision.reason.code !== 'closed_hours') {
        const team = teamOf(conv);
        const available = agents.filter((a) => !conv.declinedBy.includes(a.id) && hasCapacity(a, team, conv.channel) && isEligible(a, conv, team).ok);
        expect({ conv: conv.id, available: available.map((a) => a.id) }).toEqual({ conv: conv.id, available: [] });
      }
    }
  });

  it('explains every decision', () => {
    for (const decision of output.decisions) {
      expect(decision.reason.text.length).toBeGreaterThan(0);
      expect(decision.reason.code).toMatch(/^[a-z_]+$/);
    }
  });
});
