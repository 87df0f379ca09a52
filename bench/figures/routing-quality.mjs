import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { BUILD } from '../lib/env.mjs';
import { runWorker } from '../lib/processes.mjs';
import { percentile, sample, stdev } from '../lib/stats.mjs';

const TARGET_RATIO = 1.05;
const T0 = Date.UTC(2026, 10, 30, 0, 0, 0);

/**
 * Figure 5: the pure engine driven by a discrete-event simulation with a simulated clock.
 * (a) Like for like with Erlang C: Poisson arrivals, exponential handle times, capacity 1,
 *     one skill group, auto-assign. The same random draws also go through an ideal FCFS
 *     M/M/c queue, a same-run control that has no sampling noise relative to the engine.
 * (b) A realistic day: log-normal handle times, skills, languages, capacities 1-3, offers
 *     that agents accept late, decline or let expire, agents going away and back.
 */
export async function run(ctx) {
  const self = fileURLToPath(import.meta.url);
  const a = await runWorker(self, 'erlangDay', { days: ctx.quick ? 20 : 100, seed: 11 }, { timeoutMs: 600000 });
  const b = await runWorker(self, 'realisticDay', { days: 1, seed: 5 }, { timeoutMs: 600000 });
  const erlangSettings = {
    agents: a.agents,
    capacity: 1,
    arrivalsPerHour: +(a.lambda * 3600).toFixed(1),
    meanHandleSeconds: a.handle,
    utilisation: a.rho,
    simulatedDays: a.days,
    conversations: a.count,
    warmupDiscardedHours: 1,
    handleTimes: 'exponential',
    strategy: 'least_busy auto-assign',
  };
  const results = [
    {
      name: 'routing quality: mean wait vs Erlang C (M/M/c)',
      value: a.meanWait,
      unit: 's',
      baseline: a.erlangWait,
      baselineUnit: 's (Erlang C)',
      ratio: a.meanWait / a.erlangWait,
      target: `<= ${TARGET_RATIO}x Erlang C`,
      pass: a.meanWait / a.erlangWait <= TARGET_RATIO,
      settings: {
        ...erlangSettings,
        idealFcfsMeanWait: +a.idealWait.toFixed(3),
        ratioToIdealFcfsSameDraws: +(a.meanWait / a.idealWait).toFixed(4),
        erlangProbabilityOfWait: +a.erlangPw.toFixed(4),
        simulatedShareWaited: +a.shareWaited.toFixed(4),
        batchMeansCI95: a.ci95,
      },
      charts: [
        {
          kind: 'cdf',
          title: 'Wait (s), M/M/c day: engine vs ideal FCFS',
          series: [
            { label: 'engine', values: a.waitSample },
            { label: 'ideal FCFS', values: a.idealSample },
          ],
        },
      ],
    },
    {
      name: 'routing quality: p90 wait (M/M/c)',
      value: a.p90Wait,
      unit: 's',
      baseline: a.erlangP90,
      baselineUnit: 's (Erlang C p90)',
      ratio: a.erlangP90 > 0 ? a.p90Wait / a.erlangP90 : null,
      target: null,
      pass: null,
      settings: erlangSettings,
    },
  ];
  const bSettings = {
    agents: b.agents,
    capacities: '1-3 per agent',
    arrivalsPerHour: +(b.lambda * 3600).toFixed(1),
    meanHandleSeconds: +b.handle.toFixed(1),
    handleTimes: 'log-normal (sigma 0.8)',
    skills: b.skills,
    languages: b.languages,
    offerTimeoutSeconds: b.offerTimeout,
    agentBehaviour: b.behaviour,
    presence: b.presence,
    simulatedDays: b.days,
    conversations: b.count,
    erlangServers: b.slots,
  };
  results.push(
    {
      name: 'routing quality day: mean wait (skills, languages, offers, presence)',
      value: b.meanWait,
      unit: 's',
      baseline: b.erlangWait,
      baselineUnit: 's (Erlang C, same rate, handle, mean online slots)',
      ratio: b.erlangWait > 0 ? b.meanWait / b.erlangWait : null,
      target: null,
      pass: null,
      settings: { ...bSettings, note: 'Erlang C here is only a reference: skills, languages and offer round-trips are outside its model' },
      charts: [{ kind: 'hist', title: 'Wait (s), realistic day', series: [{ label: 'wait', values: b.waitSample }] }],
    },
    { name: 'routing quality day: p90 wait', value: b.p90Wait, unit: 's', baseline: null, baselineUnit: null, ratio: null, target: null, pass: null, settings: bSettings },
    {
      name: 'routing quality day: agent load spread (CV of utilisation)',
      value: b.loadCv,
      unit: 'stdev/mean',
      baseline: null,
      baselineUnit: null,
      ratio: null,
      target: null,
      pass: null,
      settings: { ...bSettings, utilisationMin: +b.utilMin.toFixed(3), utilisationMax: +b.utilMax.toFixed(3), utilisationMean: +b.utilMean.toFixed(3) },
    },
    {
      name: 'routing quality day: declined/expired offers re-offered within 5 s',
      value: b.reofferShare * 100,
      unit: '%',
      baseline: null,
      baselineUnit: null,
      ratio: null,
      target: null,
      pass: null,
      settings: {
        ...bSettings,
        declinedOrExpired: b.reofferTotal,
        reofferedIn5s: b.reofferInTime,
        reofferedLater: b.reofferLate,
        note: 'a re-offer can only come when another eligible agent has room; the rest wait for one',
      },
    },
  );
  return results;
}

// ---------------------------------------------------------------------------------------
// Simulation (runs in a worker process)

function rng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const exp = (r, mean) => -Math.log(1 - r()) * mean;
function normal(r) {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}
/** Log-normal with the given mean and shape sigma. */
const logNormal = (r, mean, sigma) => Math.exp(Math.log(mean) - (sigma * sigma) / 2 + sigma * normal(r));

/** Erlang C: probability of waiting and mean wait for c servers, arrival rate lambda, mean handle h. */
export function erlangC(c, lambda, h) {
  const a = lambda * h;
  if (a >= c) return { pw: 1, wq: Infinity };
  let term = 1;
  let sum = 1;
  for (let k = 1; k < c; k++) {
    term *= a / k;
    sum += term;
  }
  const last = ((term * a) / c) * (c / (c - a));
  const pw = last / (sum + last);
  return { pw, wq: (pw * h) / (c - a), tailP: (t) => pw * Math.exp(-(c - a) * (t / h)) };
}

/** Binary min-heap of events by time. */
class Events {
  constructor() {
    this.h = [];
  }
  push(e) {
    const h = this.h;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].t <= e.t) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }
  pop() {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const c = l + 1 < h.length && h[l + 1].t < h[l].t ? l + 1 : l;
        if (h[c].t >= last.t) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
  get size() {
    return this.h.length;
  }
  peekT() {
    return this.h[0]?.t;
  }
}

/**
 * Drives decide() through a simulated clock. `conversations` arrive with their handle
 * times; the agents' behaviour on offers and presence changes are callbacks.
 */
function simulate({ decide, agents, team, arrivals, horizon, behaviour = null, presenceEvents = [] }) {
  const events = new Events();
  for (const c of arrivals) events.push({ t: c.arrival, type: 'arrive', c });
  for (const p of presenceEvents) events.push(p);
  const queue = new Map();
  const byId = new Map(agents.map((a) => [a.id, a]));
  const online = new Map(agents.map((a) => [a.id, { since: a.presence === 'online' ? 0 : null, total: 0 }]));
  const reoffer = { total: 0, inTime: 0, late: 0 };
  const busy = new Map(agents.map((a) => [a.id, 0]));
  let passes = 0;
  let passMs = 0;
  const start = (c, agent, t) => {
    c.wait = t - c.arrival;
    c.agentId = agent.id;
    busy.set(agent.id, busy.get(agent.id) + c.handle);
    events.push({ t: t + c.handle, type: 'done', c, agent });
  };
  const given = (c, t) => {
    if (c.reofferMark !== undefined) {
      if (t - c.reofferMark <= 5) reoffer.inTime++;
      else reoffer.late++;
      c.reofferMark = undefined;
    }
  };
  while (events.size) {
    const t = events.peekT();
    if (t > horizon && !queue.size) break;
    while (events.size && events.peekT() === t) {
      const e = events.pop();
      switch (e.type) {
        case 'arrive':
          queue.set(e.c.id, e.c);
          break;
        case 'done':
          e.agent.load.api--;
          break;
        case 'accept':
          if (e.c.offer !== e.token) break;
          e.c.offer = null;
          start(e.c, e.agent, t);
          break;
        case 'decline':
        case 'expire':
          if (e.c.offer !== e.token) break;
          e.c.offer = null;
          e.agent.load.api--;
          e.c.q.declinedBy.push(e.agent.id);
          e.c.reofferMark = t;
          reoffer.total++;
          queue.set(e.c.id, e.c);
          break;
        case 'presence': {
          const a = byId.get(e.agentId);
          const o = online.get(a.id);
          if (a.presence === 'online' && e.presence !== 'online') o.total += t - o.since;
          if (a.presence !== 'online' && e.presence === 'online') o.since = t;
          a.presence = e.presence;
          break;
        }
      }
    }
    if (!queue.size) continue;
    const input = { now: T0 + t * 1000, queue: [...queue.values()].map((c) => c.q), agents, teams: [team] };
    const before = performance.now();
    const out = decide(input);
    passMs += performance.now() - before;
    passes++;
    for (const d of out.decisions) {
      if (d.type !== 'assign' && d.type !== 'offer') continue;
      const c = queue.get(d.conversationId);
      const agent = byId.get(d.agentId);
      queue.delete(c.id);
      agent.load.api++;
      agent.lastAssignedAt = T0 + t * 1000;
      given(c, t);
      if (d.type === 'assign') start(c, agent, t);
      else {
        const token = {};
        c.offer = token;
        const reaction = behaviour(agent, c);
        const timeout = team.offerTimeoutSeconds;
        if (reaction.delay >= timeout) events.push({ t: t + timeout, type: 'expire', c, agent, token });
        else events.push({ t: t + reaction.delay, type: reaction.accept ? 'accept' : 'decline', c, agent, token });
      }
    }
  }
  for (const [id, o] of online) if (byId.get(id).presence === 'online' && o.since < horizon) o.total += horizon - o.since;
  return { reoffer, busy, online, passes, passMs };
}

/** In a worker: the M/M/c day. */
export function erlangDay({ days, seed }) {
  const require = createRequire(import.meta.url);
  const { decide } = require(join(BUILD, 'libs/routing/src/index.js'));
  const r = rng(seed);
  const c = 20;
  const handle = 300;
  const rho = 0.85;
  const lambda = (rho * c) / handle;
  const horizon = days * 86400;
  const arrivals = [];
  for (let t = exp(r, 1 / lambda), i = 0; t < horizon; t += exp(r, 1 / lambda), i++) {
    arrivals.push({ id: `c${i}`, arrival: t, handle: exp(r, handle), q: null });
  }
  for (const a of arrivals)
    a.q = {
      id: a.id,
      channel: 'api',
      teamId: 'team',
      requiredSkills: [],
      language: null,
      priority: 1,
      waitingSince: T0 + a.arrival * 1000,
      lastAgentId: null,
      lastAgentAt: null,
      declinedBy: [],
    };
  const agents = Array.from({ length: c }, (_, i) => ({
    id: `agent-${i}`,
    name: `Agent ${i}`,
    presence: 'online',
    teamIds: ['team'],
    skills: [],
    languages: [],
    capacity: { api: 1 },
    load: { api: 0 },
    lastAssignedAt: null,
  }));
  const team = {
    id: 'team',
    name: 'Team',
    strategy: 'least_busy',
    offerTimeoutSeconds: null,
    stickyWindowSeconds: 0,
    overflowTeamId: null,
    overflowAfterSeconds: null,
    businessHours: null,
    defaultCapacity: { api: 1 },
    roundRobinLastAgentId: null,
  };
  const sim = simulate({ decide, agents, team, arrivals, horizon });

  // The ideal FCFS M/M/c on the same draws: each arrival takes the earliest free server.
  const free = new Array(c).fill(0);
  for (const a of arrivals) {
    let k = 0;
    for (let j = 1; j < c; j++) if (free[j] < free[k]) k = j;
    const startAt = Math.max(a.arrival, free[k]);
    a.idealWait = startAt - a.arrival;
    free[k] = startAt + a.handle;
  }
  const measured = arrivals.filter((a) => a.arrival >= 3600 && a.wait !== undefined);
  const waits = measured.map((a) => a.wait);
  const ideal = measured.map((a) => a.idealWait);
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  // 95% interval of the mean wait from batch means (20 batches): arrivals are correlated.
  const batches = 20;
  const size = Math.floor(waits.length / batches);
  const bm = Array.from({ length: batches }, (_, i) => mean(waits.slice(i * size, (i + 1) * size)));
  const half = (2.093 * stdev(bm)) / Math.sqrt(batches);
  const ec = erlangC(c, lambda, handle);
  // Erlang C p90 of the wait: P(W > t) = Pw * exp(-(c - a) t / h).
  const a = lambda * handle;
  const erlangP90 = ec.pw <= 0.1 ? 0 : (Math.log(ec.pw / 0.1) * handle) / (c - a);
  const sorted = [...waits].sort((x, y) => x - y);
  return {
    agents: c,
    handle,
    rho,
    lambda,
    days,
    count: measured.length,
    meanWait: mean(waits),
    idealWait: mean(ideal),
    p90Wait: percentile(sorted, 90),
    erlangWait: ec.wq,
    erlangPw: ec.pw,
    erlangP90,
    shareWaited: waits.filter((w) => w > 1e-9).length / waits.length,
    ci95: [+(mean(waits) - half).toFixed(2), +(mean(waits) + half).toFixed(2)],
    passes: sim.passes,
    passMsMean: sim.passMs / sim.passes,
    waitSample: sample(waits),
    idealSample: sample(ideal),
  };
}

/** In a worker: one realistic day. */
export function realisticDay({ days, seed }) {
  const require = createRequire(import.meta.url);
  const { decide } = require(join(BUILD, 'libs/routing/src/index.js'));
  const r = rng(seed);
  const SKILLS = ['billing', 'tech', 'refunds'];
  const LANGS = ['fr', 'de'];
  const n = 40;
  const agents = Array.from({ length: n }, (_, i) => ({
    id: `agent-${String(i).padStart(2, '0')}`,
    name: `Agent ${i}`,
    presence: 'online',
    teamIds: ['team'],
    skills: SKILLS.filter(() => r() < 0.6),
    languages: ['en', ...LANGS.filter(() => r() < 0.3)],
    capacity: { api: 1 + Math.floor(r() * 3) },
    load: { api: 0 },
    lastAssignedAt: null,
  }));
  const handle = 420;
  const horizon = days * 86400;
  // Each agent takes a 15-minute break roughly every two hours; 10% of the day away.
  const presenceEvents = [];
  for (const a of agents) {
    for (let t = exp(r, 7200); t < horizon; t += 900 + exp(r, 7200)) {
      presenceEvents.push({ t, type: 'presence', agentId: a.id, presence: 'away' });
      presenceEvents.push({ t: t + 900, type: 'presence', agentId: a.id, presence: 'online' });
    }
  }
  const slotsTotal = agents.reduce((s, a) => s + a.capacity.api, 0);
  const awayShare = 900 / (900 + 7200);
  const slots = Math.round(slotsTotal * (1 - awayShare));
  const lambda = (0.8 * slots) / handle;
  const arrivals = [];
  for (let t = exp(r, 1 / lambda), i = 0; t < horizon; t += exp(r, 1 / lambda), i++) {
    const skills = r() < 0.3 ? [SKILLS[Math.floor(r() * SKILLS.length)]] : [];
    const language = r() < 0.15 ? LANGS[Math.floor(r() * LANGS.length)] : r() < 0.5 ? 'en' : null;
    const c = { id: `c${i}`, arrival: t, handle: logNormal(r, handle, 0.8) };
    c.q = {
      id: c.id,
      channel: 'api',
      teamId: 'team',
      requiredSkills: skills,
      language,
      priority: r() < 0.1 ? 2 : 1,
      waitingSince: T0 + t * 1000,
      lastAgentId: null,
      lastAgentAt: null,
      declinedBy: [],
    };
    arrivals.push(c);
  }
  const team = {
    id: 'team',
    name: 'Team',
    strategy: 'least_busy',
    offerTimeoutSeconds: 30,
    stickyWindowSeconds: 0,
    overflowTeamId: null,
    overflowAfterSeconds: null,
    businessHours: null,
    defaultCapacity: { api: 2 },
    roundRobinLastAgentId: null,
  };
  // Agents accept after a log-normal ~4 s; 8% decline; 5% never react (the offer expires).
  const behaviour = () => {
    const x = r();
    if (x < 0.05) return { delay: Infinity, accept: false };
    return { delay: logNormal(r, 4, 0.6), accept: x >= 0.13 };
  };
  const sim = simulate({ decide, agents, team, arrivals, horizon, behaviour, presenceEvents });
  const measured = arrivals.filter((a) => a.arrival >= 3600 && a.wait !== undefined);
  const waits = measured.map((a) => a.wait);
  const sorted = [...waits].sort((x, y) => x - y);
  const meanHandle = arrivals.reduce((s, a) => s + a.handle, 0) / arrivals.length;
  // Agents keep working through a break, so utilisation is busy slot-time over the whole day's slots.
  const util = agents.map((a) => sim.busy.get(a.id) / (horizon * a.capacity.api));
  const utilMean = util.reduce((s, x) => s + x, 0) / util.length;
  return {
    agents: n,
    days,
    lambda,
    handle: meanHandle,
    slots,
    skills: '30% of conversations need one of 3 skills; each agent has each skill with p=0.6',
    languages: '15% need fr or de (30% of agents speak each), 35% en (all agents), rest any',
    offerTimeout: team.offerTimeoutSeconds,
    behaviour: 'accept after log-normal ~4 s (87%), decline (8%), ignore until expiry (5%)',
    presence: '15-minute away breaks about every 2 hours per agent',
    count: measured.length,
    meanWait: waits.reduce((s, x) => s + x, 0) / waits.length,
    p90Wait: percentile(sorted, 90),
    erlangWait: erlangC(slots, lambda, meanHandle).wq,
    loadCv: stdev(util) / utilMean,
    utilMin: Math.min(...util),
    utilMax: Math.max(...util),
    utilMean,
    reofferTotal: sim.reoffer.total,
    reofferInTime: sim.reoffer.inTime,
    reofferLate: sim.reoffer.late,
    reofferShare: sim.reoffer.total ? sim.reoffer.inTime / sim.reoffer.total : 1,
    passes: sim.passes,
    waitSample: sample(waits),
  };
}
