export * from './routing.types';
export * from './routing.constants';
export { decide, requeueForAgent } from './routing-engine';
export { queueOrder } from './queue-order';
export {
  anySpareCapacity,
  capacityFor,
  checkManualAssignment,
  hasAllSkills,
  hasCapacity,
  isEligible,
  isInboxMember,
  loadFor,
  normalizeLanguage,
  requiresMembership,
  speaksLanguage,
} from './eligibility.util';
export { channelName, humanDuration, languageName } from './routing-reasons';
export type { UnmetRequirement } from './routing-reasons';
export {
  SLA_CLOCK_KINDS,
  dueAtOf,
  evaluateSla,
  matchSlaPolicy,
  policyApplies,
  retargetSla,
  slaOnCustomerMessage,
  slaOnReply,
  slaOnResolved,
  slaPause,
  slaResume,
  startSla,
} from './sla.util';
export type { SlaAppliesTo, SlaBreach, SlaClock, SlaClockKind, SlaEvaluation, SlaFiring, SlaLevel, SlaPolicyRule, SlaRecord, SlaState, SlaTarget } from './sla.util';
