import { describe, expect, it } from 'vitest';
import { ASSIGNMENT_CODES, ROUTING_REASON_CODES, SYSTEM_ACTIVITY_CODES, UNMET_REQUIREMENTS } from '@inbox/realtime-contract';
import i18n, { RESOURCES } from '../i18n/i18n';
import { activityLine, type ActivityContext } from './activity-line';

type Tree = { [k: string]: string | Tree };
const lookup = (tree: Tree, key: string): string | undefined => {
  let cur: string | Tree | undefined = tree;
  for (const part of key.split('.')) cur = typeof cur === 'object' ? cur[part] : undefined;
  return typeof cur === 'string' ? cur : undefined;
};

/** A strict context: a key missing in this language throws (no silent fallback to English). */
function ctx(lng: string): ActivityContext {
  const tree = RESOURCES[lng] as unknown as Tree;
  const t = i18n.getFixedT(lng) as unknown as (k: string, p?: Record<string, unknown>) => string;
  return {
    lng,
    t: (key, params) => {
      if (lookup(tree, key) === undefined) throw new Error(`${lng}: no translation for ${key}`);
      return t(key, { ...params, lng });
    },
    agentName: (id) => (id === 'u-ana' ? 'Ana Agent' : id === 'u-bo' ? 'Bo' : null),
    teamName: (id) => (id === 't-billing' ? 'Billing' : null),
    dateTime: (iso) => new Intl.DateTimeFormat(lng, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)),
  };
}

const group = { channel: 'email', language: 'fr', skills: 'billing,vip', teamId: 't-billing', team: 'Billing' };
const routingParams: Record<string, Record<string, string | number>> = {
  least_busy: { ...group, count: 3, agent: 'Ana Agent', agentId: 'u-ana' },
  round_robin: { ...group, count: 1, agent: 'Ana Agent', agentId: 'u-ana' },
  sticky: { ...group, agent: 'Ana Agent', agentId: 'u-ana', agoSeconds: 7200 },
  no_agent_online: group,
  all_at_capacity: { ...group, count: 2 },
  all_declined: { ...group, count: 2 },
  closed_hours: { teamId: 't-billing', team: 'Billing', timezone: 'Europe/Kyiv' },
  manual_pick: { ...group, count: 0 },
  overflow: { fromTeamId: 't-billing', fromTeam: 'Billing', toTeamId: 't-sales', toTeam: 'Sales', waitedSeconds: 600, cause: 'all_at_capacity' },
  requeued_agent_offline: { agentId: 'u-ana', agent: 'Ana Agent' },
  requeued_removed_from_team: { agentId: 'u-ana', agent: 'Ana Agent' },
  requeued_removed_from_inbox: { agentId: 'u-ana', agent: 'Ana Agent' },
};

type Sample = { name: string; metadata: Record<string, unknown>; authorType?: 'user' | 'system'; authorId?: string | null; mustContain: string[] };
const samples: Sample[] = [];
for (const code of ROUTING_REASON_CODES) {
  if (code === 'no_eligible_agent') {
    for (const requirement of UNMET_REQUIREMENTS) {
      samples.push({
        name: `wait reason ${code}/${requirement}`,
        metadata: { routing: { action: 'requeue', previousAgentId: 'u-ana', code, params: { ...group, requirement, missingSkills: 'vip', count: 2 } } },
        mustContain: [],
      });
    }
    continue;
  }
  const action = code === 'overflow' ? 'overflow' : code.startsWith('requeued_') || !['least_busy', 'round_robin', 'sticky'].includes(code) ? 'requeue' : 'assign';
  const mustContain =
    code === 'overflow' ? ['Billing', 'Sales'] : code === 'closed_hours' ? ['Billing', 'Europe/Kyiv'] : action === 'assign' || code.startsWith('requeued_') ? ['Ana Agent'] : [];
  samples.push({ name: `routing reason ${code}`, metadata: { routing: { action, agentId: 'u-ana', code, by: 'routing', params: routingParams[code] } }, mustContain });
}
const assignmentSamples: Record<(typeof ASSIGNMENT_CODES)[number], Sample> = {
  manual: {
    name: 'manual',
    metadata: { routing: { action: 'assign', agentId: 'u-ana', code: 'manual', by: 'coordinator', params: { by: 'Bo', agent: 'Ana Agent' } } },
    mustContain: ['Ana Agent', 'Bo'],
  },
  takeover: { name: 'takeover', metadata: { routing: { action: 'assign', agentId: 'u-ana', code: 'takeover', params: { agent: 'Ana Agent' } } }, mustContain: ['Ana Agent'] },
  claimed: {
    name: 'claimed',
    metadata: { routing: { action: 'assign', agentId: 'u-ana', code: 'claimed', params: { agent: 'Ana Agent' }, overCapacity: true } },
    mustContain: ['Ana Agent'],
  },
  started: { name: 'started', metadata: { routing: { action: 'assign', agentId: 'u-ana', code: 'started', params: { agent: 'Ana Agent' } } }, mustContain: ['Ana Agent'] },
  rule: {
    name: 'rule',
    metadata: { routing: { action: 'assign', agentId: 'u-ana', code: 'rule', params: { rule: 'VIP first', agent: 'Ana Agent' } } },
    mustContain: ['Ana Agent', 'VIP first'],
  },
  accepted: { name: 'accepted', metadata: { routing: { action: 'accept', agentId: 'u-ana', code: 'accepted', params: { agent: 'Ana Agent' } } }, mustContain: ['Ana Agent'] },
  decline: { name: 'decline', metadata: { routing: { action: 'decline', agentId: 'u-ana', code: 'decline', params: { agent: 'Ana Agent' } } }, mustContain: ['Ana Agent'] },
  expire: { name: 'expire (old line without params)', metadata: { routing: { action: 'expire', agentId: 'u-ana' } }, mustContain: ['Ana Agent'] },
  transfer: {
    name: 'transfer',
    metadata: { routing: { action: 'transfer', previousAgentId: 'u-ana', code: 'transfer', params: { team: 'Billing', teamId: 't-billing' } } },
    mustContain: ['Billing'],
  },
  unassign: { name: 'unassign', metadata: { routing: { action: 'unassign', previousAgentId: 'u-ana', code: 'unassign', params: {} } }, mustContain: [] },
  handoff: { name: 'handoff', metadata: { routing: { action: 'handoff', previousAgentId: null, teamId: 't-billing' } }, mustContain: ['Billing'] },
  escalated: {
    name: 'escalated',
    metadata: { routing: { action: 'escalate', code: 'escalated' }, activity: { code: 'escalated', params: { by: 'Bo', team: 'Billing' } } },
    mustContain: ['Bo', 'Billing'],
  },
  reply_timeout: {
    name: 'reply_timeout',
    metadata: { routing: { action: 'requeue', code: 'reply_timeout' }, activity: { code: 'reply_timeout', params: { agent: 'Ana Agent', seconds: 300 } } },
    mustContain: ['Ana Agent'],
  },
};
samples.push(...Object.values(assignmentSamples));
const systemParams: Record<string, Record<string, unknown>> = {
  sla_warning: { policy: 'Gold', kind: 'first_response', dueAt: '2030-01-02T09:00:00.000Z' },
  sla_breached: { policy: 'Gold', kind: 'resolution', dueAt: '2030-01-02T09:00:00.000Z' },
  escalated: { by: 'Bo', team: 'Billing' },
  reply_timeout: { agent: 'Ana Agent', seconds: 120 },
  rule_set_team: { rule: 'VIP', team: 'Billing' },
  sla_applied: { policy: 'Gold' },
  sla_changed: { from: 'Standard', to: 'Gold' },
  sla_removed: { policy: 'Gold' },
  rule_add_label: { rule: 'VIP', label: 'vip' },
  rule_remove_label: { rule: 'VIP', label: 'vip' },
  rule_set_priority: { rule: 'VIP', from: 1, to: 3 },
  rule_assign_agent: { rule: 'VIP', agentId: 'u-ana' },
  rule_snooze: { rule: 'VIP', until: '2030-01-02T09:00:00.000Z' },
  csat_received: { rating: 2, scale: 'stars', comment: 'Too slow' },
  csat_changed: { rating: 5, scale: 'thumbs', comment: null },
};
for (const code of SYSTEM_ACTIVITY_CODES) {
  samples.push({ name: `system ${code}`, metadata: { activity: { code, params: { rule: 'VIP', ...systemParams[code] } } }, mustContain: code.startsWith('rule_') ? ['VIP'] : [] });
}
samples.push(
  { name: 'status change by an agent', metadata: { changes: { status: 'pending' }, previous: { status: 'open' } }, authorType: 'user', authorId: 'u-bo', mustContain: ['Bo'] },
  { name: 'priority change', metadata: { changes: { priority: 2 }, previous: { priority: 1 } }, authorType: 'user', authorId: 'u-bo', mustContain: ['Bo'] },
  { name: 'labels change (old line without previous)', metadata: { changes: { labels: ['vip', 'refund'], status: 'resolved' } }, mustContain: ['vip, refund'] },
  { name: 'labels removed', metadata: { changes: { labels: [] }, previous: { labels: ['vip'] } }, mustContain: [] },
);

// What a raw code or an untranslated server sentence would leave behind.
const RAW = /\b[a-z]+_[a-z_]+\b|\{\{|activityLine\.|undefined|null|NaN/;
// Single-word codes (transfer, manual, rule) are ordinary words; priority keys are not.
const codeWords = ['p0', 'p1', 'p2', 'p3'];

describe('activity lines', () => {
  it('cover every code of the contract', () => {
    expect(samples.length).toBeGreaterThan(ROUTING_REASON_CODES.length + ASSIGNMENT_CODES.length + SYSTEM_ACTIVITY_CODES.length);
  });

  describe.each(Object.keys(RESOURCES))('in %s', (lng) => {
    const c = ctx(lng);
    const en = ctx('en');
    it.each(samples.map((s) => [s.name, s] as const))('%s', (_name, s) => {
      const m = { metadata: s.metadata, authorType: s.authorType ?? 'system', authorId: s.authorId ?? null } as const;
      const line = activityLine(m, c);
      expect(line).toEqual(expect.any(String));
      expect(line!).not.toMatch(RAW);
      for (const w of codeWords) expect(line!.split(/[\s(),;:]+/)).not.toContain(w);
      for (const v of s.mustContain) expect(line).toContain(v);
      if (lng !== 'en') expect(line).not.toBe(activityLine(m, en));
    });
  });

  it('writes the group, count and priority names', () => {
    expect(activityLine({ metadata: samples.find((s) => s.name === 'routing reason least_busy')!.metadata, authorType: 'system', authorId: null }, ctx('en'))).toBe(
      'Assigned to Ana Agent by routing: least busy of the eligible agents (3) (speaking French, skills: billing, vip, team Billing)',
    );
    expect(activityLine({ metadata: { changes: { priority: 2 }, previous: { priority: 1 } }, authorType: 'user', authorId: 'u-bo' }, ctx('en'))).toBe(
      'Priority: Normal → High, by Bo',
    );
    expect(activityLine({ metadata: { changes: { priority: 2 }, previous: { priority: 1 } }, authorType: 'user', authorId: 'u-bo' }, ctx('fr'))).toBe(
      'Priorité : Normale → Haute, par Bo',
    );
  });

  it('leaves lines it has no code for to the server text', () => {
    expect(activityLine({ metadata: {}, authorType: 'system', authorId: null }, ctx('uk'))).toBeNull();
    expect(activityLine({ metadata: { activity: { code: 'something_new', params: {} } }, authorType: 'system', authorId: null }, ctx('uk'))).toBeNull();
  });
});
