import { CHANNEL_KINDS as VOCABULARY_CHANNEL_KINDS } from '@inbox/realtime-contract/vocabulary';
import type { CapacityMap, ChannelKind, TeamSettings } from './routing.types';

/** Fixed order (the shared vocabulary's): the engine stores per-kind numbers in flat typed arrays indexed by this position. */
export const CHANNEL_KINDS: readonly ChannelKind[] = VOCABULARY_CHANNEL_KINDS;

export const DEFAULT_TEAM_ID = '__default__';

export const BUILT_IN_DEFAULT_CAPACITY: Readonly<CapacityMap> = Object.freeze({
  api: 5,
  email: 10,
  webchat: 3,
  slack: 5,
  whatsapp: 3,
  messenger: 3,
  instagram: 3,
  telegram: 3,
  x: 3,
  // A call-back is one at a time.
  phone: 1,
});

/** Used for conversations without a (known) team when the caller supplies no defaultTeam. */
export const BUILT_IN_DEFAULT_TEAM: Readonly<TeamSettings> = Object.freeze({
  id: DEFAULT_TEAM_ID,
  name: 'Default',
  strategy: 'least_busy',
  offerTimeoutSeconds: null,
  stickyWindowSeconds: 0,
  overflowTeamId: null,
  overflowAfterSeconds: null,
  businessHours: null,
  defaultCapacity: BUILT_IN_DEFAULT_CAPACITY,
  roundRobinLastAgentId: null,
});
