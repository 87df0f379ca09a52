import type { Principal } from './principal';
import { DomainError } from '../errors/domain-error';

/** Who acts: a user's role, or a bot. Inbox tokens only push messages and never reach this table. */
export type Actor = 'admin' | 'coordinator' | 'agent' | 'bot';

/**
 * The one permission policy: action × actor. REST guards (`@Can`) and socket handlers
 * (`assertCan`) read this table and nothing else, so the two doors cannot drift apart.
 * Membership (which inboxes' conversations and contacts an agent sees) is checked on top
 * of this by AccessService, the same way for every door.
 */
export const POLICY = {
  // Reading and answering conversations the actor may see.
  'conversation.read': ['admin', 'coordinator', 'agent', 'bot'],
  'conversation.reply': ['admin', 'coordinator', 'agent', 'bot'],
  'conversation.update': ['admin', 'coordinator', 'agent', 'bot'],
  'conversation.join': ['admin', 'coordinator', 'agent', 'bot'],
  'conversation.typing': ['admin', 'coordinator', 'agent'],
  // Coordinator overrides of routing. Bots hand over (unassign, transfer) but never pick people.
  'conversation.assign': ['admin', 'coordinator'],
  'conversation.takeover': ['admin', 'coordinator'],
  'conversation.priority': ['admin', 'coordinator', 'agent'],
  'conversation.unassign': ['admin', 'coordinator', 'bot'],
  'conversation.transfer': ['admin', 'coordinator', 'bot'],
  'conversation.assignments': ['admin', 'coordinator'],
  // Escalation to a department with a handoff note; "assign to me" from an inbox's queue.
  'conversation.escalate': ['admin', 'coordinator', 'agent', 'bot'],
  'conversation.claim': ['admin', 'coordinator', 'agent'],
  // An agent's own routing state.
  'offer.respond': ['admin', 'coordinator', 'agent'],
  'presence.set': ['admin', 'coordinator', 'agent'],
  // Contacts: agents see those who wrote to their inboxes; merging rewrites history, so staff only.
  'contact.read': ['admin', 'coordinator', 'agent', 'bot'],
  'contact.update': ['admin', 'coordinator', 'agent', 'bot'],
  'contact.merge': ['admin', 'coordinator'],
  // Supervision.
  'routing.stats': ['admin', 'coordinator'],
  'reports.read': ['admin', 'coordinator'],
  // Exports (CSV) carry every conversation of a period: the people who read the reports.
  'reports.export': ['admin', 'coordinator'],
  // Customer satisfaction: ratings of conversations one may see; survey settings are inbox configuration.
  'csat.read': ['admin', 'coordinator', 'agent'],
  'csat.manage': ['admin'],
  // Quality review: coordinators score; everyone reviewed reads (and acknowledges) their own reviews.
  'qa.manage': ['admin', 'coordinator'],
  'qa.review': ['admin', 'coordinator'],
  'qa.read_own': ['admin', 'coordinator', 'agent'],
  'events.replay': ['admin', 'coordinator', 'agent', 'bot'],
  // Search finds only what the actor may see (the list scopes above; bots never find private notes).
  'search.read': ['admin', 'coordinator', 'agent', 'bot'],
  // Knowledge base: everyone answering reads published articles; staff write, publish and see drafts.
  'kb.read': ['admin', 'coordinator', 'agent', 'bot'],
  'kb.write': ['admin', 'coordinator'],
  // Service levels and automation rules are configuration.
  'sla.manage': ['admin'],
  'rules.manage': ['admin'],
} as const satisfies Record<string, readonly Actor[]>;

export type Action = keyof typeof POLICY;
export const ACTIONS = Object.keys(POLICY) as Action[];

export function actorOf(p: Principal): Actor | null {
  if (p.type === 'user') return p.role;
  if (p.type === 'bot') return 'bot';
  return null;
}

export function can(p: Principal, action: Action): boolean {
  const actor = actorOf(p);
  return actor !== null && (POLICY[action] as readonly Actor[]).includes(actor);
}

export function assertCan(p: Principal, action: Action): void {
  if (!can(p, action)) {
    const allowed = POLICY[action].filter((a) => a !== 'bot');
    throw new DomainError('FORBIDDEN', `${action} needs the ${allowed.join(' or ')} role`, { action });
  }
}
