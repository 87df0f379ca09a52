/**
 * The REST views clients read (users, teams, contacts, canned responses): the server's
 * repositories return exactly these shapes and the web app imports them from here, so a field
 * added or renamed on one side is a compile error on the other.
 */
import type { ChannelKind, RoutingStrategyName, UserRole } from './vocabulary';
import type { VisitorInfo } from './index';

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  languages: string[];
  skills: string[];
  capacity: Record<string, number>;
  locale: string;
  active: boolean;
  createdAt: string;
}

/** Weekly opening hours as stored on a team or a web chat inbox (see libs/business-hours). */
export interface BusinessHoursView {
  timezone: string;
  days: Record<string, Array<{ open: string; close: string }>>;
}

export interface TeamView {
  id: string;
  name: string;
  description: string | null;
  strategy: RoutingStrategyName;
  offerTimeoutSeconds: number | null;
  stickyWindowSeconds: number;
  overflowTeamId: string | null;
  overflowAfterSeconds: number | null;
  businessHours: BusinessHoursView | null;
  defaultCapacity: Record<string, number>;
  awayMessage: string | null;
  isDepartment: boolean;
  reassignIfNoReplySeconds: number | null;
  roundRobinLastAgentId: string | null;
  memberIds: string[];
}

export interface ContactView {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  language: string | null;
  notes: string | null;
  labels: string[];
  createdAt: string;
  identities: Array<{ id: string; channel: ChannelKind; address: string }>;
  /** Short, stable and unique: "Visitor #N" for a web chat visitor without a name. */
  number: number;
  /** The latest web chat visitor info (browser, OS, page, time zone); null for other channels. */
  visitor: VisitorInfo | null;
}

export interface CannedResponseView {
  id: string;
  shortcut: string;
  title: string;
  text: string;
  /** null: shared with everyone; else only that team's members (and admins, coordinators) see it. */
  teamId: string | null;
  createdAt: string;
}
