import { ROUTING_REASON_CODES, UNMET_REQUIREMENTS } from '@inbox/realtime-contract';
import * as reasons from './routing-reasons';
import type { RoutingReason, RoutingReasonCode } from './routing.types';

// Clients translate routing reasons from the contract's list: a reason with a code outside it would reach
// agents untranslated. Both directions are checked at compile time, and every builder at run time.
const fromContract: readonly RoutingReasonCode[] = ROUTING_REASON_CODES;
const toContract: readonly (typeof ROUTING_REASON_CODES)[number][] = [] as RoutingReasonCode[];
const requirements: readonly reasons.UnmetRequirement[] = UNMET_REQUIREMENTS;

describe('routing reason codes', () => {
  const group = reasons.reasonGroup('fr', ['billing'], 't1', 'Billing');
  const agent = { id: 'a1', name: 'Ana' };
  const built: RoutingReason[] = [
    reasons.leastBusyReason(group, 'email', 2, agent),
    reasons.roundRobinReason(group, 'email', 2, agent),
    reasons.stickyReason(group, 'email', agent, 60_000),
    reasons.noAgentOnlineReason(group, 'email'),
    ...UNMET_REQUIREMENTS.map((r) => reasons.noEligibleAgentReason(group, 'email', r, { count: 2 })),
    reasons.allAtCapacityReason(group, 'email', 2),
    reasons.allDeclinedReason(group, 'email', 2),
    reasons.closedHoursReason('t1', 'Billing', 'Europe/Paris'),
    reasons.manualPickReason(group, 'email', 2),
    reasons.overflowReason({ id: 't1', name: 'Billing' }, { id: 't2', name: 'Sales' }, 120_000, 'all_at_capacity'),
    reasons.requeueReason('a1', 'Ana', 'offline'),
    reasons.requeueReason('a1', 'Ana', 'removed_from_team'),
    reasons.requeueReason('a1', 'Ana', 'removed_from_inbox'),
  ];

  it('are all in the contract, and the contract lists no code the engine never gives', () => {
    expect(fromContract.length + toContract.length + requirements.length).toBeGreaterThan(0);
    expect(built.map((r) => r.code).filter((c) => !(ROUTING_REASON_CODES as readonly string[]).includes(c))).toEqual([]);
    expect([...new Set(built.map((r) => r.code))].sort()).toEqual([...ROUTING_REASON_CODES].sort());
  });

  it('carry every value their sentence names as a param', () => {
    expect(reasons.leastBusyReason(group, 'email', 2, agent).params).toMatchObject({
      count: 2,
      agent: 'Ana',
      language: 'fr',
      skills: 'billing',
      team: 'Billing',
      channel: 'email',
    });
    expect(reasons.noEligibleAgentReason(group, 'email', 'skills', { missingSkills: ['vip'] }).params).toMatchObject({ requirement: 'skills', missingSkills: 'vip' });
    expect(reasons.overflowReason({ id: 't1', name: 'Billing' }, { id: 't2', name: 'Sales' }, 120_000, 'closed_hours').params).toMatchObject({
      fromTeam: 'Billing',
      toTeam: 'Sales',
      waitedSeconds: 120,
      cause: 'closed_hours',
    });
  });
});
