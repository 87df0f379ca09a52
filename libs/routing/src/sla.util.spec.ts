import { SlaPolicyRule, evaluateSla, matchSlaPolicy, retargetSla, slaOnCustomerMessage, slaOnReply, slaOnResolved, slaPause, slaResume, startSla } from './sla.util';
import { officeHours } from './testing/routing.factories';

const at = (iso: string) => Date.parse(iso);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const H = 3600;

function aPolicy(o: Partial<SlaPolicyRule> = {}): SlaPolicyRule {
  return {
    id: 'p1',
    name: 'Standard',
    firstResponseSeconds: 600,
    nextResponseSeconds: null,
    resolutionSeconds: null,
    businessHours: false,
    warnAtPercent: 80,
    appliesTo: {},
    order: 0,
    ...o,
  };
}

describe('matchSlaPolicy', () => {
  const conv = { teamId: 'billing', inboxId: 'inbox-1', channel: 'email' as const, priority: 2, labels: ['vip'] };
  it.each<[string, SlaPolicyRule[], string | null]>([
    ['none without policies', [], null],
    ['a policy without scope applies to everything', [aPolicy()], 'p1'],
    ['the first by order wins', [aPolicy({ id: 'late', order: 5 }), aPolicy({ id: 'early', order: 1 })], 'early'],
    ['a scope that does not cover the team is skipped', [aPolicy({ id: 'sales', order: 0, appliesTo: { teamIds: ['sales'] } }), aPolicy({ id: 'all', order: 1 })], 'all'],
    [
      'every listed dimension must match',
      [aPolicy({ id: 'x', appliesTo: { channels: ['email'], priorities: [3] } }), aPolicy({ id: 'y', order: 1, appliesTo: { channels: ['email'], priorities: [2] } })],
      'y',
    ],
    ['labels match when one of them is on the conversation', [aPolicy({ id: 'vip', appliesTo: { labels: ['gold', 'vip'] } })], 'vip'],
    ['a team scope covers the conversations of that team', [aPolicy({ appliesTo: { teamIds: ['billing'] } })], 'p1'],
  ])('%s', (_what, policies, expected) => {
    expect(matchSlaPolicy(policies, conv)?.id ?? null).toBe(expected);
  });

  it('does not match a team-scoped policy when the conversation has no team', () => {
    expect(matchSlaPolicy([aPolicy({ appliesTo: { teamIds: ['billing'] } })], { ...conv, teamId: null })).toBeNull();
  });
});

describe('the SLA clocks', () => {
  const t0 = at('2025-01-15T10:00:00Z');
  const s = (n: number) => t0 + n * 1000;

  it('warns at the configured percent, then breaches at the due time, each once', () => {
    const sut = startSla(aPolicy({ firstResponseSeconds: 100, warnAtPercent: 80 }), t0, null);
    expect(evaluateSla(sut, s(79))).toMatchObject({ fire: [], state: 'ok', dueAt: s(100), nextCheckAt: s(80) });
    const warned = evaluateSla(sut, s(80));
    expect(warned.fire).toEqual([{ kind: 'first_response', level: 'warning', dueAt: s(100) }]);
    expect(warned.state).toBe('warning');
    expect(evaluateSla(warned.record, s(90)).fire).toEqual([]);
    const breached = evaluateSla(warned.record, s(100));
    expect(breached.fire).toEqual([{ kind: 'first_response', level: 'breached', dueAt: s(100) }]);
    expect(breached.state).toBe('breached');
    expect(breached.nextCheckAt).toBeNull();
    expect(evaluateSla(breached.record, s(200)).fire).toEqual([]);
  });

  it('fires only the breach when the first check comes after the due time', () => {
    expect(evaluateSla(startSla(aPolicy({ firstResponseSeconds: 10 }), t0, null), s(60)).fire.map((f) => f.level)).toEqual(['breached']);
  });

  it('is met by a reply before the due time and never fires', () => {
    const sut = slaOnReply(startSla(aPolicy({ firstResponseSeconds: 100 }), t0, null), s(30));
    expect(evaluateSla(sut, s(500))).toMatchObject({ fire: [], state: 'met', dueAt: null, nextCheckAt: null });
  });

  it('stays breached after a late reply', () => {
    const late = evaluateSla(startSla(aPolicy({ firstResponseSeconds: 10 }), t0, null), s(20)).record;
    expect(evaluateSla(slaOnReply(late, s(30)), s(40)).state).toBe('breached');
  });

  it('restarts next response at each customer message after an agent reply', () => {
    const p = aPolicy({ firstResponseSeconds: 100, nextResponseSeconds: 50 });
    let sut = startSla(p, t0, null);
    expect(slaOnCustomerMessage(sut, s(5), null)).toBe(sut); // still waiting for the first reply
    sut = slaOnReply(sut, s(10));
    sut = slaOnCustomerMessage(sut, s(20), null);
    expect(evaluateSla(sut, s(21))).toMatchObject({ state: 'ok', dueAt: s(70) });
    expect(slaOnCustomerMessage(sut, s(30), null)).toBe(sut); // the clock already runs
    sut = slaOnCustomerMessage(slaOnReply(sut, s(40)), s(100), null);
    expect(evaluateSla(sut, s(101)).dueAt).toBe(s(150));
  });

  it('pauses while waiting on the customer and moves the due time by the pause', () => {
    let sut = startSla(aPolicy({ firstResponseSeconds: 100, warnAtPercent: 50 }), t0, null);
    sut = slaPause(sut, s(20));
    expect(evaluateSla(sut, s(500))).toMatchObject({ fire: [], nextCheckAt: null });
    sut = slaResume(sut, s(320), null);
    expect(evaluateSla(sut, s(321))).toMatchObject({ fire: [], dueAt: s(400), nextCheckAt: s(350) });
  });

  it('counts a pause in business time when the policy uses business hours', () => {
    const hours = officeHours('UTC');
    const fri = at('2025-01-17T16:00:00Z');
    let sut = startSla(aPolicy({ firstResponseSeconds: 2 * H, businessHours: true }), fri, hours);
    expect(iso(evaluateSla(sut, fri).dueAt)).toBe('2025-01-20T10:00:00.000Z');
    sut = slaPause(sut, at('2025-01-17T16:30:00Z'));
    sut = slaResume(sut, at('2025-01-20T09:00:00Z'), hours); // 30 open minutes were paused
    expect(iso(evaluateSla(sut, at('2025-01-20T09:00:00Z')).dueAt)).toBe('2025-01-20T10:30:00.000Z');
  });

  it('meets resolution on resolve and stops the response clocks without an outcome', () => {
    const sut = slaOnResolved(startSla(aPolicy({ firstResponseSeconds: 100, resolutionSeconds: 1000 }), t0, null), s(50));
    expect(evaluateSla(sut, s(5000))).toMatchObject({ fire: [], state: 'met' });
    expect(sut.clocks.map((c) => [c.kind, c.metAt, c.stoppedAt])).toEqual([
      ['first_response', null, s(50)],
      ['resolution', s(50), null],
    ]);
  });

  it('retargets to another policy from the same start, keeping outcomes', () => {
    const before = evaluateSla(startSla(aPolicy({ firstResponseSeconds: 100, resolutionSeconds: 1000 }), t0, null), s(90)).record;
    const sut = retargetSla(before, aPolicy({ id: 'p2', name: 'VIP', firstResponseSeconds: 30, resolutionSeconds: null }), t0, null);
    expect(sut.policyId).toBe('p2');
    expect(sut.clocks.map((c) => c.kind)).toEqual(['first_response']);
    expect(evaluateSla(sut, s(91)).fire).toEqual([{ kind: 'first_response', level: 'breached', dueAt: s(30) }]);
  });
});
