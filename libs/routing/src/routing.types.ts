export type { ChannelKind } from '@inbox/realtime-contract/vocabulary';
import type { ChannelKind } from '@inbox/realtime-contract/vocabulary';
import type { BusinessHours } from '@inbox/business-hours';
export type Presence = 'online' | 'away' | 'offline';
export type RoutingStrategy = 'least_busy' | 'round_robin' | 'manual';
export type CapacityMap = Partial<Record<ChannelKind, number>>;

export interface QueuedConversation {
  id: string;
  channel: ChannelKind;
  /**
   * The inbox the conversation belongs to. When set, only agents whose `inboxIds` include it
   * are eligible: an agent must be able to open what routing gives them.
   */
  inboxId?: string;
  teamId: string | null;
  requiredSkills: string[];
  language: string | null;
  priority: number; // 0 low,1 normal,2 high,3 urgent; higher first, then oldest waitingSince
  waitingSince: number; // epoch ms
  /** The earliest SLA due time of a running clock (epoch ms): among equal priorities, the sooner due goes first. */
  slaDueAt?: number | null;
  lastAgentId: string | null; // agent who last served this contact (sticky routing)
  lastAgentAt: number | null; // when that agent last served them
  declinedBy: string[]; // agents who declined or let an offer time out: never re-offer to them while others are eligible
  /**
   * Teams this conversation already overflowed out of. Optional: when the driver keeps it,
   * decide() refuses to overflow back into one of them, which stops A -> B -> A ping-pong
   * when both teams are saturated.
   */
  overflowedFromTeamIds?: string[];
}

export interface AgentState {
  id: string;
  name: string;
  presence: Presence;
  teamIds: string[];
  /** Inboxes the agent belongs to; required for conversations that name their inbox. */
  inboxIds?: string[];
  skills: string[];
  languages: string[]; // languages like 'fr','en'
  capacity: CapacityMap; // per-agent override; a kind missing here falls back to the team's defaultCapacity, then to 0 (= cannot take that kind)
  load: CapacityMap; // current open conversations + pending offers per kind
  lastAssignedAt: number | null;
}

export interface TeamSettings {
  id: string;
  name: string;
  strategy: RoutingStrategy;
  offerTimeoutSeconds: number | null; // null = auto-assign immediately; a number = offer-and-accept with that countdown
  stickyWindowSeconds: number; // 0 = sticky off
  overflowTeamId: string | null;
  overflowAfterSeconds: number | null;
  businessHours: BusinessHours | null; // null = always open
  defaultCapacity: CapacityMap;
  roundRobinLastAgentId?: string | null;
}

/** Every reason code decide()/requeueForAgent() can emit, so a UI can keep an exhaustive translation table. */
export type AssignReasonCode = 'least_busy' | 'round_robin' | 'sticky';
export type WaitReasonCode =
  | 'no_agent_online'
  | 'no_eligible_agent'
  | 'all_at_capacity'
  | 'closed_hours'
  | 'manual_pick'
  | 'all_declined'
  | 'requeued_agent_offline'
  | 'requeued_removed_from_team'
  | 'requeued_removed_from_inbox';
export type OverflowReasonCode = 'overflow';
export type RoutingReasonCode = AssignReasonCode | WaitReasonCode | OverflowReasonCode;

export interface RoutingReason {
  code: string; // one of RoutingReasonCode
  params: Record<string, string | number>;
  text: string; // human-readable English; code+params let the UI translate it
}

export type RoutingDecision =
  | { type: 'assign'; conversationId: string; agentId: string; teamId: string | null; reason: RoutingReason }
  | { type: 'offer'; conversationId: string; agentId: string; teamId: string | null; expiresAt: number; reason: RoutingReason }
  | { type: 'overflow'; conversationId: string; fromTeamId: string; toTeamId: string; reason: RoutingReason }
  | { type: 'wait'; conversationId: string; teamId: string | null; reason: RoutingReason };

export interface RoutingInput {
  now: number;
  queue: QueuedConversation[];
  agents: AgentState[];
  teams: TeamSettings[];
  defaultTeam?: TeamSettings; // settings for conversations with teamId null (or an unknown team): all online agents are eligible
}

/** Configuration problems found during a pass. They never abort the pass; the driver may log them. */
export interface RoutingWarning {
  code: 'UNKNOWN_TEAM' | 'UNKNOWN_OVERFLOW_TEAM' | 'INVALID_BUSINESS_HOURS';
  teamId: string;
  message: string;
}

export interface RoutingOutput {
  decisions: RoutingDecision[];
  roundRobinLastAgentId: Record<string, string>; // teamId -> last agent given, for the caller to persist
  warnings?: RoutingWarning[];
}

export type IneligibilityCode = 'AGENT_OFFLINE' | 'NOT_INBOX_MEMBER' | 'NOT_IN_TEAM' | 'MISSING_SKILL' | 'LANGUAGE_MISMATCH' | 'AGENT_AT_CAPACITY';
export type EligibilityResult = { ok: true } | { ok: false; code: IneligibilityCode };

/** Things a coordinator should be told about but that do not block a manual assignment. */
export type ManualAssignmentWarning = 'AGENT_AWAY' | 'AGENT_OFFLINE' | 'NOT_IN_TEAM' | 'MISSING_SKILL' | 'LANGUAGE_MISMATCH' | 'PREVIOUSLY_DECLINED';

export type ManualAssignmentCheck = { ok: true; overCapacity: boolean; warnings: ManualAssignmentWarning[] } | { ok: false; code: 'AGENT_AT_CAPACITY'; message: string };

export type RequeueCause = 'offline' | 'removed_from_team' | 'removed_from_inbox';
