import { isOpen } from '@inbox/business-hours';
import { capacityFor, loadFor, normalizeLanguage } from './eligibility.util';
import { queueOrder } from './queue-order';
import { BUILT_IN_DEFAULT_TEAM, CHANNEL_KINDS } from './routing.constants';
import {
  allAtCapacityReason,
  allDeclinedReason,
  closedHoursReason,
  leastBusyReason,
  manualPickReason,
  noAgentOnlineReason,
  noEligibleAgentReason,
  overflowReason,
  reasonGroup,
  requeueReason,
  roundRobinReason,
  stickyReason,
  type ReasonGroup,
  type UnmetRequirement,
} from './routing-reasons';
import type {
  AgentState,
  QueuedConversation,
  RequeueCause,
  RoutingDecision,
  RoutingInput,
  RoutingOutput,
  RoutingReason,
  RoutingWarning,
  TeamSettings,
  WaitReasonCode,
} from './routing.types';

/*
 * Why the engine looks like this (a pass must handle 1,000 agents x 10,000 conversations in a few ms):
 * - per-agent numbers live in flat typed arrays indexed `kind * agents + agent`, so the inner loop
 *   touches no objects, allocates nothing, and a scan over one channel kind stays in one dense row;
 * - agents are indexed once per team ("context") and, within it, once per distinct
 *   (language, skill set) requirement ("pool"): the static part of eligibility is paid per pool,
 *   not per conversation;
 * - loads only grow during a pass, so once a scan finds nobody in a pool with room for a kind,
 *   the pool is flagged exhausted for that kind and later conversations skip the scan.
 */

const K = CHANNEL_KINDS.length;
const KIND_INDEX = new Map<string, number>(CHANNEL_KINDS.map((kind, i) => [kind, i]));
const NO_RR_POINTER = -1;
const NO_LANGUAGE = -1;
const UNKNOWN = -2; // a skill/language no online agent has: the pool is empty by construction
const NO_INBOX = -3; // the conversation names no inbox: membership is not checked
// Inbox membership is indexed like a skill, under a key no typed skill can take, so pools
// (and their per-pass caches) cover it at no extra cost per conversation.
const INBOX_KEY = '\u0000inbox:';

// Plain arrays rather than typed arrays here: there can be hundreds of pools per pass and small
// on-heap arrays are far cheaper to create than ArrayBuffer-backed ones.
interface Pool {
  members: number[]; // agent indices, ascending id order (round-robin walks it)
  language: string | null;
  languageId: number;
  skills: readonly string[];
  skillIds: number[];
  inboxSkillId: number; // NO_INBOX, UNKNOWN (nobody online belongs to it) or the membership's skill id
  capCount: number[]; // per kind: members whose capacity is > 0; -1 until first needed
  exhausted: number[]; // per kind: 1 once no member has room left in this pass
  group: ReasonGroup | null;
  unmet: { requirement: UnmetRequirement; missingSkills: string[] } | null;
}

/**
 * Trie keyed by sorted skill names. Looking a conversation's pool up walks existing strings,
 * so no key string is built (and hashed) per conversation.
 */
interface PoolNode {
  pool: Pool | null;
  next: Map<string, PoolNode> | null;
}

interface TeamContext {
  team: TeamSettings;
  realTeamId: string | null; // null for the default context (teamless or unknown team)
  memberMask: Uint8Array | null; // null = every online agent is a member
  members: Int32Array; // online members, ascending id order
  cap: Float64Array; // kind * n + agent -> capacity under this team's defaults
  open: boolean;
  pools: Map<string, PoolNode>; // language -> trie over the sorted required skills
  rrRank: number;
  overflowTarget: TeamSettings | null | undefined; // undefined = not resolved yet
}

interface ScanResult {
  chosen: number;
  count: number;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedSkills(required: readonly string[]): string[] {
  if (required.length <= 1) return required.slice();
  return Array.from(new Set(required)).sort(compareStrings);
}

function child(node: PoolNode, skill: string): PoolNode {
  let map = node.next;
  if (map === null) node.next = map = new Map();
  let next = map.get(skill);
  if (next === undefined) map.set(skill, (next = { pool: null, next: null }));
  return next;
}

/** All state of one decide() call. A class so V8 sees stable shapes and the hot loops stay monomorphic. */
class RoutingPass {
  private readonly now: number;
  private readonly agents: AgentState[];
  private readonly n: number;
  private readonly idIndex = new Map<string, number>();
  private readonly rank: Int32Array;
  private readonly sortedIds: string[];
  private readonly online: Uint8Array;
  private readonly load: Float64Array;
  private readonly totalLoad: Float64Array;
  private readonly lastAssigned: Float64Array;
  private readonly onlineByRank: number[] = [];
  private readonly membersByTeam = new Map<string, number[]>();
  // Static eligibility as byte maps over agents: one array per skill / language seen online.
  private readonly skillIds = new Map<string, number>();
  private readonly holders: Uint8Array[] = [];
  private readonly languageIds = new Map<string, number>();
  private readonly speakers: Uint8Array[] = [];
  private readonly normalizedLanguage = new Map<string, string | null>();

  private readonly teamById = new Map<string, TeamSettings>();
  private readonly defaultTeam: TeamSettings;
  private readonly openCache = new Map<TeamSettings, boolean>();
  private readonly contexts = new Map<string, TeamContext>();
  private defaultContext: TeamContext | null = null;

  private readonly declinedStamp: Int32Array;
  private readonly declinedList: Int32Array;
  private declinedCount = 0;
  private readonly scan: ScanResult = { chosen: -1, count: 0 };

  private readonly warnings: RoutingWarning[] = [];
  private readonly warned = new Set<string>();
  private readonly roundRobinLastAgentId: Record<string, string> = {};

  constructor(private readonly input: RoutingInput) {
    const { agents } = input;
    const n = agents.length;
    this.now = input.now;
    this.agents = agents;
    this.n = n;
    this.defaultTeam = input.defaultTeam ?? BUILT_IN_DEFAULT_TEAM;
    for (const team of input.teams) this.teamById.set(team.id, team);

    const byId: number[] = new Array(n);
    for (let a = 0; a < n; a++) {
      byId[a] = a;
      if (!this.idIndex.has(agents[a].id)) this.idIndex.set(agents[a].id, a);
    }
    byId.sort((x, y) => compareStrings(agents[x].id, agents[y].id) || x - y);
    this.rank = new Int32Array(n);
    this.sortedIds = new Array(n);
    for (let r = 0; r < n; r++) {
      this.rank[byId[r]] = r;
      this.sortedIds[r] = agents[byId[r]].id;
    }

    this.online = new Uint8Array(n);
    this.load = new Float64Array(n * K);
    this.totalLoad = new Float64Array(n);
    this.lastAssigned = new Float64Array(n);
    this.declinedStamp = new Int32Array(n);
    this.declinedList = new Int32Array(n);

    for (let r = 0; r < n; r++) {
      const a = byId[r];
      const agent = agents[a];
      let total = 0;
      for (let k = 0; k < K; k++) {
        const l = loadFor(agent, CHANNEL_KINDS[k]);
        this.load[k * n + a] = l;
        total += l;
      }
      this.totalLoad[a] = total;
      // Never-assigned agents have been idle the longest.
      this.lastAssigned[a] = agent.lastAssignedAt ?? -Infinity;
      if (agent.presence !== 'online') continue;
      this.online[a] = 1;
      this.onlineByRank.push(a);
      for (const skill of agent.skills) this.markIn(this.skillIds, this.holders, skill, a);
      for (const inboxId of agent.inboxIds ?? []) this.markIn(this.skillIds, this.holders, INBOX_KEY + inboxId, a);
      for (const raw of agent.languages) {
        const lang = this.normalize(raw);
        if (lang !== null) this.markIn(this.languageIds, this.speakers, lang, a);
      }
      for (const teamId of agent.teamIds) {
        let list = this.membersByTeam.get(teamId);
        if (!list) this.membersByTeam.set(teamId, (list = []));
        if (list[list.length - 1] !== a) list.push(a); // teamIds listed twice
      }
    }
  }

  private markIn(ids: Map<string, number>, maps: Uint8Array[], key: string, a: number): void {
    let id = ids.get(key);
    if (id === undefined) {
      id = maps.length;
      ids.set(key, id);
      maps.push(new Uint8Array(this.n));
    }
    maps[id][a] = 1;
  }

  private normalize(raw: string | null): string | null {
    if (raw === null || raw === undefined) return null;
    let norm = this.normalizedLanguage.get(raw);
    if (norm === undefined) {
      norm = normalizeLanguage(raw);
      this.normalizedLanguage.set(raw, norm);
    }
    return norm;
  }

  private warn(code: RoutingWarning['code'], teamId: string, message: string): void {
    const key = `${code}\u0001${teamId}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warnings.push({ code, teamId, message });
  }

  // ---- teams ----------------------------------------------------------------------------

  private openFor(team: TeamSettings): boolean {
    let open = this.openCache.get(team);
    if (open === undefined) {
      try {
        open = isOpen(team.businessHours, this.now);
      } catch (err) {
        // A broken schedule must not freeze a team's queue; route as if always open and say so.
        open = true;
        this.warn('INVALID_BUSINESS_HOURS', team.id, `Ignoring business hours of team "${team.name}": ${(err as Error).message}`);
      }
      this.openCache.set(team, open);
    }
    return open;
  }

  /** Round-robin pointer -> position in id order; an agent that no longer exists sits between its neighbours. */
  private pointerRank(pointer: string | null | undefined): number {
    if (pointer === null || pointer === undefined) return NO_RR_POINTER;
    const idx = this.idIndex.get(pointer);
    if (idx !== undefined) return this.rank[idx];
    let lo = 0;
    let hi = this.sortedIds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sortedIds[mid] < pointer) lo = mid + 1;
      else hi = mid;
    }
    return lo - 0.5;
  }

  private buildContext(team: TeamSettings, realTeamId: string | null): TeamContext {
    let memberMask: Uint8Array | null = null;
    let memberList: number[];
    if (realTeamId === null) {
      memberList = this.onlineByRank;
    } else {
      memberList = this.membersByTeam.get(realTeamId) ?? [];
      memberMask = new Uint8Array(this.n);
      for (const a of memberList) memberMask[a] = 1;
    }
    const cap = new Float64Array(this.n * K);
    for (const a of memberList) {
      for (let k = 0; k < K; k++) cap[k * this.n + a] = capacityFor(this.agents[a], team, CHANNEL_KINDS[k]);
    }
    return {
      team,
      realTeamId,
      memberMask,
      members: Int32Array.from(memberList),
      cap,
      open: this.openFor(team),
      pools: new Map(),
      rrRank: this.pointerRank(team.roundRobinLastAgentId),
      overflowTarget: undefined,
    };
  }

  private contextFor(teamId: string | null): TeamContext {
    if (teamId !== null) {
      const existing = this.contexts.get(teamId);
      if (existing) return existing;
      const team = this.teamById.get(teamId);
      if (team) {
        const ctx = this.buildContext(team, teamId);
        this.contexts.set(teamId, ctx);
        return ctx;
      }
      this.warn('UNKNOWN_TEAM', teamId, `Conversations reference unknown team "${teamId}"; routing them with the default settings`);
    }
    return (this.defaultContext ??= this.buildContext(this.defaultTeam, null));
  }

  private overflowTargetOf(ctx: TeamContext): TeamSettings | null {
    if (ctx.overflowTarget !== undefined) return ctx.overflowTarget;
    const { team } = ctx;
    let target: TeamSettings | null = null;
    if (team.overflowTeamId !== null && team.overflowTeamId !== team.id && team.overflowAfterSeconds !== null) {
      target = this.teamById.get(team.overflowTeamId) ?? null;
      if (!target) {
        this.warn('UNKNOWN_OVERFLOW_TEAM', team.id, `Team "${team.name}" overflows to unknown team "${team.overflowTeamId}"; overflow disabled`);
      }
    }
    return (ctx.overflowTarget = target);
  }

  private overflowDue(conv: QueuedConversation, ctx: TeamContext): boolean {
    const target = this.overflowTargetOf(ctx);
    if (target === null) return false;
    if (this.now - conv.waitingSince < (ctx.team.overflowAfterSeconds as number) * 1000) return false;
    // Without these two checks a saturated or closed pair of teams would bounce conversations forever.
    if (conv.overflowedFromTeamIds?.includes(target.id)) return false;
    return this.openFor(target);
  }

  // ---- pools ----------------------------------------------------------------------------

  private poolFor(ctx: TeamContext, conv: QueuedConversation): Pool {
    const language = this.normalize(conv.language);
    const langKey = language ?? '';
    let node = ctx.pools.get(langKey);
    if (node === undefined) ctx.pools.set(langKey, (node = { pool: null, next: null }));
    const required = conv.requiredSkills;
    // The 0-2 skill cases cover nearly every conversation and need no sorting or temporary array.
    switch (required.length) {
      case 0:
        break;
      case 1:
        node = child(node, required[0]);
        break;
      case 2: {
        const x = required[0];
        const y = required[1];
        node = x === y ? child(node, x) : x < y ? child(child(node, x), y) : child(child(node, y), x);
        break;
      }
      default:
        for (const skill of sortedSkills(required)) node = child(node, skill);
    }
    if (conv.inboxId !== undefined) node = child(node, INBOX_KEY + conv.inboxId);
    return (node.pool ??= this.buildPool(ctx, language, sortedSkills(required), conv.inboxId));
  }

  private buildPool(ctx: TeamContext, language: string | null, skills: string[], inboxId?: string): Pool {
    const skillIds: number[] = new Array(skills.length);
    let possible = true;
    for (let i = 0; i < skills.length; i++) {
      skillIds[i] = this.skillIds.get(skills[i]) ?? UNKNOWN;
      if (skillIds[i] === UNKNOWN) possible = false;
    }
    const languageId = language === null ? NO_LANGUAGE : (this.languageIds.get(language) ?? UNKNOWN);
    if (languageId === UNKNOWN) possible = false;
    const inboxSkillId = inboxId === undefined ? NO_INBOX : (this.skillIds.get(INBOX_KEY + inboxId) ?? UNKNOWN);
    if (inboxSkillId === UNKNOWN) possible = false;

    const members: number[] = [];
    if (possible) {
      // A skill pool is a subset of its language's pool, which is usually much smaller than the team.
      const candidates = skills.length === 0 && inboxSkillId === NO_INBOX ? ctx.members : this.languagePool(ctx, language).members;
      for (let j = 0; j < candidates.length; j++) {
        const a = candidates[j];
        if (this.matchesStatic(a, skillIds, languageId) && this.inInbox(a, inboxSkillId)) members.push(a);
      }
    }
    return {
      members,
      language,
      languageId,
      skills,
      skillIds,
      inboxSkillId,
      capCount: new Array(K).fill(-1),
      exhausted: new Array(K).fill(0),
      group: null,
      unmet: null,
    };
  }

  private languagePool(ctx: TeamContext, language: string | null): Pool {
    const langKey = language ?? '';
    let node = ctx.pools.get(langKey);
    if (node === undefined) ctx.pools.set(langKey, (node = { pool: null, next: null }));
    return (node.pool ??= this.buildPool(ctx, language, []));
  }

  private matchesStatic(a: number, skillIds: readonly number[], languageId: number): boolean {
    for (let i = 0; i < skillIds.length; i++) {
      const s = skillIds[i];
      if (s === UNKNOWN || this.holders[s][a] === 0) return false;
    }
    if (languageId === NO_LANGUAGE) return true;
    return languageId !== UNKNOWN && this.speakers[languageId][a] === 1;
  }

  private inInbox(a: number, inboxSkillId: number): boolean {
    return inboxSkillId === NO_INBOX || (inboxSkillId >= 0 && this.holders[inboxSkillId][a] === 1);
  }

  private inPool(ctx: TeamContext, pool: Pool, a: number): boolean {
    return (
      this.online[a] === 1 && (ctx.memberMask === null || ctx.memberMask[a] === 1) && this.matchesStatic(a, pool.skillIds, pool.languageId) && this.inInbox(a, pool.inboxSkillId)
    );
  }

  /** Only needed to explain a wait, so it is computed on demand rather than for every pool. */
  private capableCount(ctx: TeamContext, pool: Pool, k: number): number {
    let count = pool.capCount[k];
    if (count < 0) {
      count = 0;
      for (let j = 0; j < pool.members.length; j++) if (ctx.cap[k * this.n + pool.members[j]] > 0) count++;
      pool.capCount[k] = count;
    }
    return count;
  }

  private groupOf(ctx: TeamContext, pool: Pool): ReasonGroup {
    return (pool.group ??= reasonGroup(pool.language, pool.skills, ctx.realTeamId, ctx.realTeamId === null ? null : ctx.team.name));
  }

  // Only computed when a pool is empty, to say which requirement nobody online meets.
  private unmetOf(ctx: TeamContext, pool: Pool): NonNullable<Pool['unmet']> {
    if (pool.unmet) return pool.unmet;
    let anyHasSkills = false;
    let anySpeaks = pool.languageId === NO_LANGUAGE;
    let anyInInbox = pool.inboxSkillId === NO_INBOX;
    const held = new Uint8Array(pool.skills.length);
    for (let j = 0; j < ctx.members.length; j++) {
      const a = ctx.members[j];
      if (pool.inboxSkillId >= 0 && this.holders[pool.inboxSkillId][a] === 1) anyInInbox = true;
      let all = true;
      for (let i = 0; i < pool.skillIds.length; i++) {
        const s = pool.skillIds[i];
        if (s !== UNKNOWN && this.holders[s][a] === 1) held[i] = 1;
        else all = false;
      }
      if (all) anyHasSkills = true;
      if (pool.languageId >= 0 && this.speakers[pool.languageId][a] === 1) anySpeaks = true;
    }
    const missingSkills = pool.skills.filter((_, i) => held[i] === 0);
    let requirement: UnmetRequirement;
    if (!anyInInbox) requirement = 'inbox';
    else if (!anyHasSkills && !anySpeaks) requirement = 'skills_and_language';
    else if (!anySpeaks) requirement = 'language';
    else if (!anyHasSkills && missingSkills.length > 0) requirement = 'skills';
    else requirement = 'combination';
    return (pool.unmet = { requirement, missingSkills });
  }

  // ---- scans ----------------------------------------------------------------------------

  private scanLeastBusy(ctx: TeamContext, pool: Pool, k: number, stamp: number): void {
    const { members } = pool;
    const { cap } = ctx;
    const { load, totalLoad, lastAssigned, rank, declinedStamp } = this;
    const row = k * this.n;
    let chosen = -1;
    let count = 0;
    let anyRoom = false;
    let bestUtil = 0;
    let bestTotal = 0;
    let bestLast = 0;
    let bestRank = 0;
    for (let j = 0; j < members.length; j++) {
      const a = members[j];
      const off = row + a;
      const l = load[off];
      const c = cap[off];
      if (!(l < c)) continue;
      anyRoom = true;
      if (declinedStamp[a] === stamp) continue;
      count++;
      // Utilisation of this kind first: 2 of 10 emails is less busy than 1 of 3 chats. Tie-break
      // arrays are only read on ties, which keeps the common "clearly busier" case to two loads.
      const util = l / c;
      if (chosen >= 0) {
        if (util > bestUtil) continue;
        if (util === bestUtil) {
          const t = totalLoad[a];
          if (t > bestTotal) continue;
          if (t === bestTotal) {
            const last = lastAssigned[a];
            if (last > bestLast || (last === bestLast && rank[a] > bestRank)) continue;
          }
        }
      }
      chosen = a;
      bestUtil = util;
      bestTotal = totalLoad[a];
      bestLast = lastAssigned[a];
      bestRank = rank[a];
    }
    if (!anyRoom) pool.exhausted[k] = 1;
    this.scan.chosen = chosen;
    this.scan.count = count;
  }

  private scanRoundRobin(ctx: TeamContext, pool: Pool, k: number, stamp: number): void {
    const { members } = pool;
    const { cap } = ctx;
    const { load, rank, declinedStamp } = this;
    const row = k * this.n;
    const pointer = ctx.rrRank;
    let first = -1;
    let firstAfter = -1;
    let count = 0;
    let anyRoom = false;
    for (let j = 0; j < members.length; j++) {
      const a = members[j];
      const off = row + a;
      if (!(load[off] < cap[off])) continue;
      anyRoom = true;
      if (declinedStamp[a] === stamp) continue;
      count++;
      if (first < 0) first = a;
      if (firstAfter < 0 && rank[a] > pointer) firstAfter = a;
    }
    if (!anyRoom) pool.exhausted[k] = 1;
    this.scan.chosen = firstAfter >= 0 ? firstAfter : first;
    this.scan.count = count;
  }

  private markDeclined(conv: QueuedConversation, stamp: number): void {
    const declined = conv.declinedBy;
    let count = 0;
    for (let i = 0; i < declined.length; i++) {
      const a = this.idIndex.get(declined[i]);
      if (a !== undefined && this.declinedStamp[a] !== stamp) {
        this.declinedStamp[a] = stamp;
        this.declinedList[count++] = a;
      }
    }
    this.declinedCount = count;
  }

  private stickyAgent(ctx: TeamContext, pool: Pool, conv: QueuedConversation, k: number, stamp: number): number {
    const window = ctx.team.stickyWindowSeconds;
    if (!(window > 0) || conv.lastAgentId === null || conv.lastAgentAt === null) return -1;
    if (this.now - conv.lastAgentAt > window * 1000) return -1;
    const a = this.idIndex.get(conv.lastAgentId);
    if (a === undefined || this.declinedStamp[a] === stamp || !this.inPool(ctx, pool, a)) return -1;
    const off = k * this.n + a;
    return this.load[off] < ctx.cap[off] ? a : -1;
  }

  // ---- pass -----------------------------------------------------------------------------

  run(): RoutingOutput {
    const { queue } = this.input;
    const nq = queue.length;
    const order = queueOrder(queue);
    const decisions: RoutingDecision[] = new Array(nq);
    for (let qi = 0; qi < nq; qi++) decisions[qi] = this.route(queue[order[qi]], qi + 1);
    return { decisions, roundRobinLastAgentId: this.roundRobinLastAgentId, warnings: this.warnings };
  }

  private route(conv: QueuedConversation, stamp: number): RoutingDecision {
    const ctx = this.contextFor(conv.teamId);
    if (!ctx.open) return this.waitOrOverflow(conv, ctx, null, 'closed_hours', 0);

    const { team } = ctx;
    const k = KIND_INDEX.get(conv.channel) ?? -1;
    const pool = this.poolFor(ctx, conv);
    this.markDeclined(conv, stamp);

    let chosen = -1;
    let count = 0;
    let sticky = false;
    if (k >= 0) {
      // Manual teams never auto-assign, so a returning customer is not handed back automatically either.
      if (team.strategy !== 'manual') {
        chosen = this.stickyAgent(ctx, pool, conv, k, stamp);
        sticky = chosen >= 0;
      }
      if (chosen < 0 && pool.exhausted[k] === 0) {
        if (team.strategy === 'round_robin') this.scanRoundRobin(ctx, pool, k, stamp);
        else this.scanLeastBusy(ctx, pool, k, stamp);
        chosen = this.scan.chosen;
        count = this.scan.count;
      }
    }

    if (team.strategy === 'manual') {
      if (chosen >= 0 || !this.overflowDue(conv, ctx)) {
        return {
          type: 'wait',
          conversationId: conv.id,
          teamId: conv.teamId,
          reason: manualPickReason(this.groupOf(ctx, pool), conv.channel, count),
        };
      }
    } else if (chosen >= 0) {
      return this.give(conv, ctx, pool, k, chosen, count, sticky);
    }

    // Nobody can take it: work out the most useful explanation.
    if (ctx.members.length === 0) return this.waitOrOverflow(conv, ctx, pool, 'no_agent_online', 0);
    if (pool.members.length === 0) return this.waitOrOverflow(conv, ctx, pool, 'no_eligible_agent', 0);
    const capable = k < 0 ? 0 : this.capableCount(ctx, pool, k);
    if (capable === 0) return this.waitOrOverflow(conv, ctx, pool, 'no_eligible_agent', pool.members.length);
    let declinedWithCap = 0;
    for (let i = 0; i < this.declinedCount; i++) {
      const a = this.declinedList[i];
      if (ctx.cap[k * this.n + a] > 0 && this.inPool(ctx, pool, a)) declinedWithCap++;
    }
    if (declinedWithCap >= capable) return this.waitOrOverflow(conv, ctx, pool, 'all_declined', capable);
    return this.waitOrOverflow(conv, ctx, pool, 'all_at_capacity', capable - declinedWithCap);
  }

  private give(conv: QueuedConversation, ctx: TeamContext, pool: Pool, k: number, a: number, count: number, sticky: boolean): RoutingDecision {
    const { team } = ctx;
    // Offers count too: the agent is holding that slot until they answer or the offer expires.
    this.load[k * this.n + a] += 1;
    this.totalLoad[a] += 1;
    this.lastAssigned[a] = this.now;
    const agent = this.agents[a];
    const group = this.groupOf(ctx, pool);
    let reason: RoutingReason;
    if (sticky) {
      reason = stickyReason(group, conv.channel, agent, this.now - (conv.lastAgentAt as number));
    } else if (team.strategy === 'round_robin') {
      // Only rotation turns move the pointer; a sticky hand-back is not that agent's "turn".
      ctx.rrRank = this.rank[a];
      this.roundRobinLastAgentId[team.id] = agent.id;
      reason = roundRobinReason(group, conv.channel, count, agent);
    } else {
      reason = leastBusyReason(group, conv.channel, count, agent);
    }
    const timeout = team.offerTimeoutSeconds;
    if (timeout !== null && timeout !== undefined) {
      return {
        type: 'offer',
        conversationId: conv.id,
        agentId: agent.id,
        teamId: conv.teamId,
        expiresAt: this.now + timeout * 1000,
        reason,
      };
    }
    return { type: 'assign', conversationId: conv.id, agentId: agent.id, teamId: conv.teamId, reason };
  }

  private waitOrOverflow(conv: QueuedConversation, ctx: TeamContext, pool: Pool | null, cause: WaitReasonCode, count: number): RoutingDecision {
    const { team } = ctx;
    if (this.overflowDue(conv, ctx)) {
      const target = ctx.overflowTarget as TeamSettings;
      return {
        type: 'overflow',
        conversationId: conv.id,
        fromTeamId: team.id,
        toTeamId: target.id,
        reason: overflowReason(team, target, this.now - conv.waitingSince, cause),
      };
    }
    let reason: RoutingReason;
    if (pool === null) {
      const teamName = ctx.realTeamId === null ? null : team.name;
      reason = closedHoursReason(ctx.realTeamId, teamName, team.businessHours?.timezone ?? 'UTC');
    } else {
      const group = this.groupOf(ctx, pool);
      switch (cause) {
        case 'no_agent_online':
          reason = noAgentOnlineReason(group, conv.channel);
          break;
        case 'no_eligible_agent':
          if (pool.members.length === 0) {
            const unmet = this.unmetOf(ctx, pool);
            reason = noEligibleAgentReason(group, conv.channel, unmet.requirement, { missingSkills: unmet.missingSkills });
          } else {
            reason = noEligibleAgentReason(group, conv.channel, 'channel', { count });
          }
          break;
        case 'all_declined':
          reason = allDeclinedReason(group, conv.channel, count);
          break;
        case 'manual_pick':
          reason = manualPickReason(group, conv.channel, count);
          break;
        default:
          reason = allAtCapacityReason(group, conv.channel, count);
      }
    }
    return { type: 'wait', conversationId: conv.id, teamId: conv.teamId, reason };
  }
}

/**
 * Runs one routing pass over the queue. Pure: reads `input`, never mutates it, and returns one
 * decision per queued conversation (in processing order) plus the round-robin pointers to persist.
 */
export function decide(input: RoutingInput): RoutingOutput {
  return new RoutingPass(input).run();
}

/**
 * Puts an agent's conversations back in the queue when they go offline or leave the team.
 * The driver stores these 'wait' decisions (so the UI shows why) and then re-runs decide().
 */
export function requeueForAgent(
  agentId: string,
  conversations: Array<{ id: string; teamId: string | null }>,
  why: RequeueCause,
  opts: { agentName?: string } = {},
): RoutingDecision[] {
  return conversations.map((conv) => ({
    type: 'wait' as const,
    conversationId: conv.id,
    teamId: conv.teamId,
    reason: requeueReason(agentId, opts.agentName, why),
  }));
}
