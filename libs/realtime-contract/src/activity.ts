/**
 * Activity lines (messages of kind `activity`) carry machine-readable metadata next to their
 * English `text`, so every client writes them in its reader's language:
 *
 * - `metadata.routing` `{ action, code, params, agentId?, previousAgentId?, by?, overCapacity? }`:
 *   assignment changes; `code` is a routing reason (why the engine chose) or an assignment code
 *   (who did it), `params` the values the sentence needs (`agent`, `team`, `count`, ...).
 * - `metadata.changes` + `metadata.previous`: status / priority / labels edits (new and old values).
 * - `metadata.activity` `{ code, params }`: timers, service levels, automation rules, escalation.
 *
 * The lists below are the vocabulary a client must translate; the web app's tests walk them in
 * every language, and the routing lib's spec checks that its reasons use no other code.
 */

/** Reasons the pure routing engine gives (libs/routing/src/routing-reasons.ts). */
export const ROUTING_REASON_CODES = [
  'least_busy',
  'round_robin',
  'sticky',
  'no_agent_online',
  'no_eligible_agent',
  'all_at_capacity',
  'all_declined',
  'closed_hours',
  'manual_pick',
  'overflow',
  'requeued_agent_offline',
  'requeued_removed_from_team',
  'requeued_removed_from_inbox',
] as const;
export type RoutingReasonCodeName = (typeof ROUTING_REASON_CODES)[number];

/** What `no_eligible_agent` found missing (its `requirement` param). */
export const UNMET_REQUIREMENTS = ['inbox', 'skills', 'language', 'skills_and_language', 'combination', 'channel'] as const;

/** Assignment changes made by people, bots, rules and timers (AssignmentService). */
export const ASSIGNMENT_CODES = [
  'manual',
  'takeover',
  'claimed',
  'started',
  'rule',
  'accepted',
  'decline',
  'expire',
  'transfer',
  'unassign',
  'handoff',
  'escalated',
  'reply_timeout',
] as const;
export type AssignmentCodeName = (typeof ASSIGNMENT_CODES)[number];

/** `metadata.activity.code` of system lines (timers, service levels, automation rules, escalation). */
export const SYSTEM_ACTIVITY_CODES = [
  'snooze_ended',
  'sla_applied',
  'sla_changed',
  'sla_removed',
  'sla_warning',
  'sla_breached',
  'escalated',
  'reply_timeout',
  'rule_set_team',
  'rule_add_label',
  'rule_remove_label',
  'rule_set_priority',
  'rule_assign_agent',
  'rule_send_canned_response',
  'rule_add_note',
  'rule_send_webhook',
  'rule_resolve',
  'rule_snooze',
  'csat_received',
  'csat_changed',
] as const;
export type SystemActivityCodeName = (typeof SYSTEM_ACTIVITY_CODES)[number];

export interface RoutingActivityMetadata {
  action: string;
  code?: string | null;
  params?: Record<string, string | number>;
  agentId?: string | null;
  previousAgentId?: string | null;
  teamId?: string | null;
  by?: 'routing' | 'agent' | 'coordinator' | 'system' | string;
  overCapacity?: boolean;
}
