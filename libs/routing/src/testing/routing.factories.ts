import type { AgentState, QueuedConversation, RoutingInput, TeamSettings } from '../routing.types';

/** Wednesday 2025-01-15 10:00:00 UTC. Every spec routes "now" at this instant unless it says otherwise. */
export const NOW = Date.UTC(2025, 0, 15, 10, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function anAgent(overrides: Partial<AgentState> = {}): AgentState {
  return {
    id: 'ana',
    name: 'Ana',
    presence: 'online',
    teamIds: ['billing'],
    skills: [],
    languages: ['en'],
    capacity: {},
    load: {},
    lastAssignedAt: null,
    ...overrides,
  };
}

export function aTeam(overrides: Partial<TeamSettings> = {}): TeamSettings {
  return {
    id: 'billing',
    name: 'Billing',
    strategy: 'least_busy',
    offerTimeoutSeconds: null,
    stickyWindowSeconds: 0,
    overflowTeamId: null,
    overflowAfterSeconds: null,
    businessHours: null,
    defaultCapacity: { api: 5, email: 10, webchat: 3, slack: 5, whatsapp: 3, messenger: 3, instagram: 3, telegram: 3, x: 3, phone: 1 },
    roundRobinLastAgentId: null,
    ...overrides,
  };
}

export function aConversation(overrides: Partial<QueuedConversation> = {}): QueuedConversation {
  return {
    id: 'c1',
    channel: 'webchat',
    teamId: 'billing',
    requiredSkills: [],
    language: null,
    priority: 1,
    waitingSince: NOW - MINUTE,
    lastAgentId: null,
    lastAgentAt: null,
    declinedBy: [],
    ...overrides,
  };
}

export function anInput(overrides: Partial<RoutingInput> = {}): RoutingInput {
  return { now: NOW, queue: [aConversation()], agents: [anAgent()], teams: [aTeam()], ...overrides };
}

export { officeHours } from '@inbox/business-hours/testing/business-hours.factories';
