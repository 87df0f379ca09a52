import { CHANNEL_KINDS } from './routing.constants';
import { decide } from './routing-engine';
import type { AgentState, CapacityMap, ChannelKind, Presence, QueuedConversation, RoutingInput, RoutingStrategy, TeamSettings } from './routing.types';

/** Small seeded PRNG so benchmark and scale-test inputs are identical on every machine. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchInputOptions {
  agents?: number;
  queued?: number;
  seed?: number;
  teams?: number;
  /** Fixed so the business-hours team is deterministic too: Wed 2025-01-15 10:00 UTC. */
  now?: number;
}

const SKILLS = ['billing', 'refunds', 'tech', 'vip', 'shipping'];
const LANGUAGES = ['en', 'fr', 'es', 'de', 'it'];
const STRATEGIES: RoutingStrategy[] = ['least_busy', 'least_busy', 'round_robin', 'least_busy', 'manual'];

/**
 * A realistic-shaped pass: 10 teams mixing strategies, offers, sticky and overflow; agents in 1-2 teams
 * with some capacity overrides and existing load; conversations spread over all channels/priorities.
 */
export function buildBenchInput(opts: BenchInputOptions = {}): RoutingInput {
  const agentCount = opts.agents ?? 1000;
  const queued = opts.queued ?? 10000;
  const teamCount = opts.teams ?? 10;
  const now = opts.now ?? Date.UTC(2025, 0, 15, 10, 0, 0);
  const rnd = mulberry32(opts.seed ?? 42);
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];

  const teams: TeamSettings[] = [];
  for (let t = 0; t < teamCount; t++) {
    const defaultCapacity: CapacityMap = {};
    for (const kind of CHANNEL_KINDS) defaultCapacity[kind] = int(3, 10);
    teams.push({
      id: `team-${t}`,
      name: `Team ${t}`,
      strategy: STRATEGIES[t % STRATEGIES.length],
      offerTimeoutSeconds: t % 3 === 0 ? 30 : null,
      stickyWindowSeconds: t % 2 === 0 ? 7 * 24 * 3600 : 0,
      overflowTeamId: t % 4 === 1 ? `team-${(t + 1) % teamCount}` : null,
      overflowAfterSeconds: t % 4 === 1 ? 600 : null,
      businessHours: t === 3 ? { timezone: 'Europe/Paris', days: { 1: [{ open: '09:00', close: '18:00' }], 3: [{ open: '09:00', close: '18:00' }] } } : null,
      defaultCapacity,
      roundRobinLastAgentId: null,
    });
  }

  const agents: AgentState[] = [];
  for (let i = 0; i < agentCount; i++) {
    const r = rnd();
    const presence: Presence = r < 0.8 ? 'online' : r < 0.9 ? 'away' : 'offline';
    const teamIds = [teams[int(0, teamCount - 1)].id];
    if (rnd() < 0.3) teamIds.push(teams[int(0, teamCount - 1)].id);
    const capacity: CapacityMap = {};
    const load: CapacityMap = {};
    for (const kind of CHANNEL_KINDS) {
      if (rnd() < 0.2) capacity[kind] = int(0, 10);
      if (rnd() < 0.5) load[kind] = int(0, 2);
    }
    agents.push({
      id: `agent-${String(i).padStart(5, '0')}`,
      name: `Agent ${i}`,
      presence,
      teamIds,
      skills: SKILLS.filter(() => rnd() < 0.5),
      languages: LANGUAGES.filter(() => rnd() < 0.35),
      capacity,
      load,
      lastAssignedAt: rnd() < 0.1 ? null : now - int(0, 3_600_000),
    });
  }

  const queue: QueuedConversation[] = [];
  for (let i = 0; i < queued; i++) {
    const skillCount = rnd() < 0.5 ? 0 : rnd() < 0.8 ? 1 : 2;
    const requiredSkills: string[] = [];
    while (requiredSkills.length < skillCount) {
      const s = pick(SKILLS);
      if (!requiredSkills.includes(s)) requiredSkills.push(s);
    }
    const sticky = rnd() < 0.2;
    queue.push({
      id: `conv-${i}`,
      channel: pick(CHANNEL_KINDS) as ChannelKind,
      teamId: rnd() < 0.05 ? null : teams[int(0, teamCount - 1)].id,
      requiredSkills,
      language: rnd() < 0.6 ? pick(LANGUAGES) : null,
      priority: int(0, 3),
      waitingSince: now - int(0, 2 * 3_600_000),
      lastAgentId: sticky ? agents[int(0, agentCount - 1)].id : null,
      lastAgentAt: sticky ? now - int(0, 14 * 24 * 3_600_000) : null,
      declinedBy: rnd() < 0.05 ? [agents[int(0, agentCount - 1)].id] : [],
    });
  }

  return { now, queue, agents, teams };
}

/** Median wall time of one decide() pass (1 warm-up, then 5 timed runs) over a seeded input. */
export function benchDecidePass(opts: { agents?: number; queued?: number; seed?: number } = {}): { ms: number; decisions: number } {
  const input = buildBenchInput(opts);
  decide(input);
  const times: number[] = [];
  let decisions = 0;
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    const out = decide(input);
    times.push(performance.now() - start);
    decisions = out.decisions.length;
  }
  times.sort((a, b) => a - b);
  return { ms: times[2], decisions };
}
