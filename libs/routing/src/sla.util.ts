import { addBusinessSeconds, businessMsBetween, type BusinessHours } from '@inbox/business-hours';
import type { ChannelKind } from './routing.types';

/**
 * Service levels as pure functions over plain data, with the clock passed in: which policy
 * applies, when each clock is due (counting only a team's business hours when the policy says
 * so), pausing while the conversation waits on the customer, and which warnings and breaches
 * are due at `now`. The server stores an SlaRecord per conversation and fires what
 * `evaluateSla` returns, once, under a row lock.
 */

export type SlaClockKind = 'first_response' | 'next_response' | 'resolution';
export type SlaLevel = 'warning' | 'breached';
export type SlaState = 'ok' | 'warning' | 'breached' | 'met';
export const SLA_CLOCK_KINDS: readonly SlaClockKind[] = ['first_response', 'next_response', 'resolution'];

export interface SlaAppliesTo {
  teamIds?: string[];
  inboxIds?: string[];
  channels?: ChannelKind[];
  priorities?: number[];
  labels?: string[];
}

export interface SlaPolicyRule {
  id: string;
  name: string;
  firstResponseSeconds: number;
  nextResponseSeconds: number | null;
  resolutionSeconds: number | null;
  businessHours: boolean;
  warnAtPercent: number;
  appliesTo: SlaAppliesTo;
  order: number;
}

/** What a policy is matched against. */
export interface SlaTarget {
  teamId: string | null;
  inboxId: string;
  channel: ChannelKind;
  priority: number;
  labels: string[];
}

export interface SlaClock {
  kind: SlaClockKind;
  startedAt: number;
  seconds: number;
  /** null: the schedule never opens (no due time). */
  dueAt: number | null;
  warnAt: number | null;
  metAt: number | null;
  /** Resolved before it was met: the clock stopped without an outcome. */
  stoppedAt: number | null;
  warned: boolean;
  breached: boolean;
}

export interface SlaBreach {
  kind: SlaClockKind;
  dueAt: number;
  breachedAt: number;
}

export interface SlaRecord {
  policyId: string;
  policyName: string;
  businessHours: boolean;
  warnAtPercent: number;
  nextResponseSeconds: number | null;
  clocks: SlaClock[];
  breaches: SlaBreach[];
  /** Set while the conversation waits on the customer (pending, snoozed): every running clock is stopped. */
  pausedAt: number | null;
}

export interface SlaFiring {
  kind: SlaClockKind;
  level: SlaLevel;
  dueAt: number;
}

export interface SlaEvaluation {
  record: SlaRecord;
  fire: SlaFiring[];
  state: SlaState;
  /** The earliest due time of a running clock (queue order, list sorting). */
  dueAt: number | null;
  /** When something next needs firing; null while paused or when nothing runs. */
  nextCheckAt: number | null;
}

// ---- policies ----

const includesIf = <T>(list: T[] | undefined, v: T) => !list || list.length === 0 || list.includes(v);

export function policyApplies(p: SlaPolicyRule, c: SlaTarget): boolean {
  const a = p.appliesTo ?? {};
  return (
    (!a.teamIds?.length || (c.teamId !== null && a.teamIds.includes(c.teamId))) &&
    includesIf(a.inboxIds, c.inboxId) &&
    includesIf(a.channels, c.channel) &&
    includesIf(a.priorities, c.priority) &&
    (!a.labels?.length || a.labels.some((l) => c.labels.includes(l)))
  );
}

/** The first policy by `order` (then id, so ties are stable) whose scope covers the conversation. */
export function matchSlaPolicy(policies: readonly SlaPolicyRule[], c: SlaTarget): SlaPolicyRule | null {
  const sorted = [...policies].sort((x, y) => x.order - y.order || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return sorted.find((p) => policyApplies(p, c)) ?? null;
}

// ---- clocks ----

function newClock(kind: SlaClockKind, startedAt: number, seconds: number, warnAtPercent: number, hours: BusinessHours | null): SlaClock {
  return {
    kind,
    startedAt,
    seconds,
    dueAt: addBusinessSeconds(startedAt, seconds, hours),
    warnAt: addBusinessSeconds(startedAt, Math.floor((seconds * warnAtPercent) / 100), hours),
    metAt: null,
    stoppedAt: null,
    warned: false,
    breached: false,
  };
}

const running = (c: SlaClock) => c.metAt === null && c.stoppedAt === null;

/** The policy's clocks for a conversation created at `createdAt`: first response, and resolution when set. */
export function startSla(p: SlaPolicyRule, createdAt: number, hours: BusinessHours | null): SlaRecord {
  const h = p.businessHours ? hours : null;
  const clocks = [newClock('first_response', createdAt, p.firstResponseSeconds, p.warnAtPercent, h)];
  if (p.resolutionSeconds) clocks.push(newClock('resolution', createdAt, p.resolutionSeconds, p.warnAtPercent, h));
  return {
    policyId: p.id,
    policyName: p.name,
    businessHours: p.businessHours,
    warnAtPercent: p.warnAtPercent,
    nextResponseSeconds: p.nextResponseSeconds,
    clocks,
    breaches: [],
    pausedAt: null,
  };
}

/**
 * Another policy now applies (team, priority or labels changed): its durations count from when
 * each clock started; met, stopped and already-fired clocks keep their outcome.
 */
export function retargetSla(old: SlaRecord, p: SlaPolicyRule, createdAt: number, hours: BusinessHours | null): SlaRecord {
  const h = p.businessHours ? hours : null;
  const next: SlaRecord = { ...startSla(p, createdAt, hours), breaches: old.breaches, pausedAt: old.pausedAt };
  next.clocks = next.clocks.map((c) => {
    const before = old.clocks.find((o) => o.kind === c.kind);
    if (!before) return c;
    if (!running(before)) return before;
    const fresh = newClock(c.kind, before.startedAt, c.seconds, p.warnAtPercent, h);
    return {
      ...fresh,
      warned: before.warned && fresh.warnAt !== null && fresh.warnAt <= (before.warnAt ?? Infinity),
      breached: before.breached && fresh.dueAt !== null && fresh.dueAt <= (before.dueAt ?? Infinity),
    };
  });
  const nextResponse = old.clocks.find((o) => o.kind === 'next_response');
  if (nextResponse && p.nextResponseSeconds)
    next.clocks.push(running(nextResponse) ? newClock('next_response', nextResponse.startedAt, p.nextResponseSeconds, p.warnAtPercent, h) : nextResponse);
  return next;
}

/** An agent's (or bot's) reply meets the response clocks that run. */
export function slaOnReply(r: SlaRecord, now: number): SlaRecord {
  return { ...r, clocks: r.clocks.map((c) => (running(c) && c.kind !== 'resolution' ? { ...c, metAt: now } : c)) };
}

/**
 * A customer's message after an agent replied starts the next-response clock (the previous one,
 * met, is replaced). Before the first reply the first-response clock still runs: nothing to start.
 */
export function slaOnCustomerMessage(r: SlaRecord, now: number, hours: BusinessHours | null): SlaRecord {
  if (!r.nextResponseSeconds) return r;
  if (r.clocks.some((c) => running(c) && c.kind !== 'resolution')) return r;
  if (!r.clocks.some((c) => c.kind === 'first_response' && c.metAt !== null)) return r;
  const clock = newClock('next_response', now, r.nextResponseSeconds, r.warnAtPercent, r.businessHours ? hours : null);
  return { ...r, clocks: [...r.clocks.filter((c) => c.kind !== 'next_response'), clock] };
}

/** Resolving meets the resolution clock and stops the response clocks. */
export function slaOnResolved(r: SlaRecord, now: number): SlaRecord {
  return { ...r, pausedAt: null, clocks: r.clocks.map((c) => (!running(c) ? c : c.kind === 'resolution' ? { ...c, metAt: now } : { ...c, stoppedAt: now })) };
}

export function slaPause(r: SlaRecord, now: number): SlaRecord {
  return r.pausedAt !== null ? r : { ...r, pausedAt: now };
}

/** Back from waiting on the customer: running clocks move later by the (business) time spent paused. */
export function slaResume(r: SlaRecord, now: number, hours: BusinessHours | null): SlaRecord {
  if (r.pausedAt === null) return r;
  const h = r.businessHours ? hours : null;
  const pausedAt = r.pausedAt;
  const shift = (t: number | null, fired: boolean) => (t === null || fired || t <= pausedAt ? t : addBusinessSeconds(now, businessMsBetween(pausedAt, t, h) / 1000, h));
  return { ...r, pausedAt: null, clocks: r.clocks.map((c) => (running(c) ? { ...c, dueAt: shift(c.dueAt, c.breached), warnAt: shift(c.warnAt, c.warned) } : c)) };
}

/**
 * What is due at `now`: warnings and breaches of running clocks not fired yet (marked fired in
 * the returned record), the state a badge shows, the earliest due time and the next check.
 * A breach implies its warning: a clock past due never fires a late warning.
 */
export function evaluateSla(r: SlaRecord, now: number): SlaEvaluation {
  const fire: SlaFiring[] = [];
  const breaches = [...r.breaches];
  const clocks = r.clocks.map((c) => {
    if (!running(c) || r.pausedAt !== null || c.dueAt === null) return c;
    const next = { ...c };
    if (!c.breached && c.dueAt <= now) {
      next.breached = true;
      next.warned = true;
      fire.push({ kind: c.kind, level: 'breached', dueAt: c.dueAt });
      breaches.push({ kind: c.kind, dueAt: c.dueAt, breachedAt: now });
    } else if (!c.warned && c.warnAt !== null && c.warnAt <= now) {
      next.warned = true;
      fire.push({ kind: c.kind, level: 'warning', dueAt: c.dueAt });
    }
    return next;
  });
  const record = { ...r, clocks, breaches };
  const live = clocks.filter(running);
  const state: SlaState = live.length ? (live.some((c) => c.breached) ? 'breached' : live.some((c) => c.warned) ? 'warning' : 'ok') : breaches.length ? 'breached' : 'met';
  const dues = live.map((c) => c.dueAt).filter((t): t is number => t !== null);
  const pending = r.pausedAt !== null ? [] : live.flatMap((c) => [c.warned ? null : c.warnAt, c.breached ? null : c.dueAt]).filter((t): t is number => t !== null);
  return { record, fire, state, dueAt: dues.length ? Math.min(...dues) : null, nextCheckAt: pending.length ? Math.min(...pending) : null };
}

/** Due time of a clock kind (for the API's flat view); the running or last clock of that kind. */
export function dueAtOf(r: SlaRecord, kind: SlaClockKind): number | null {
  const clocks = r.clocks.filter((c) => c.kind === kind);
  const c = clocks.find(running) ?? clocks[clocks.length - 1];
  return c ? c.dueAt : null;
}
