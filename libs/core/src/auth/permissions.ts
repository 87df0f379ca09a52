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
  // Handing a bot's (or one's own) conversation to the human queue; starting an outbound conversation.
  'conversation.handoff': ['admin', 'coordinator', 'agent', 'bot'],
  'conversation.create': ['admin', 'coordinator', 'agent'],
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
  // Quality review: staff write scorecards and review; an agent reads (acknowledges, answers) only their own reviews.
  'qa.manage': ['admin', 'coordinator'],
  'qa.review': ['admin', 'coordinator'],
  'qa.read_own': ['admin', 'coordinator', 'agent'],
  // @mentions of teammates in private notes, and one's own mentions (list, mark read). People only.
  'mention.create': ['admin', 'coordinator', 'agent'],
  'mention.read': ['admin', 'coordinator', 'agent'],
  'events.replay': ['admin', 'coordinator', 'agent', 'bot'],
  // Search finds only what the actor may see (the list scopes above; bots never find private notes).
  'search.read': ['admin', 'coordinator', 'agent', 'bot'],
  // Knowledge base: everyone answering reads published articles; staff write, publish and see drafts.
  'kb.read': ['admin', 'coordinator', 'agent', 'bot'],
  'kb.write': ['admin', 'coordinator'],
  // Service levels and automation rules are configuration.
  'sla.manage': ['admin'],
  'rules.manage': ['admin'],
  // Inbox set-up checks that reach out to a channel's servers (an email inbox's "Test connection").
  'inbox.manage': ['admin'],
  // Event webhook subscriptions: admins for everything, bots for their own inboxes.
  'webhook.manage': ['admin', 'bot'],
  // Posting into a channel through an inbox (a Slack channel or thread), recorded in a conversation.
  'channel.post': ['admin', 'bot'],
} as const satisfies Record<string, readonly Actor[]>;

export type Action = keyof typeof POLICY;
export const ACTIONS = Object.keys(POLICY) as Action[];

/** What a bot token may be limited to; a token holds a subset (all of them by default). */
export const BOT_SCOPES = ['conversations.read', 'conversations.write', 'contacts.read', 'contacts.write', 'channels.post', 'webhooks'] as const;
export type BotScope = (typeof BOT_SCOPES)[number];

type BotAction = { [A in Action]: 'bot' extends (typeof POLICY)[A][number] ? A : never }[Action];

/** The scope a bot token needs for each action the table allows bots (exhaustive: a new bot action must name its scope). */
export const BOT_ACTION_SCOPE: Record<BotAction, BotScope> = {
  'conversation.read': 'conversations.read',
  'conversation.join': 'conversations.read',
  'events.replay': 'conversations.read',
  'search.read': 'conversations.read',
  'kb.read': 'conversations.read',
  'conversation.reply': 'conversations.write',
  'conversation.update': 'conversations.write',
  'conversation.unassign': 'conversations.write',
  'conversation.transfer': 'conversations.write',
  'conversation.handoff': 'conversations.write',
  'conversation.escalate': 'conversations.write',
  'contact.read': 'contacts.read',
  'contact.update': 'contacts.write',
  'webhook.manage': 'webhooks',
  'channel.post': 'channels.post',
};

function scopeOf(action: Action): BotScope | undefined {
  return (BOT_ACTION_SCOPE as Partial<Record<Action, BotScope>>)[action];
}

export function actorOf(p: Principal): Actor | null {
  if (p.type === 'user') return p.role;
  if (p.type === 'bot') return 'bot';
  return null;
}

export function can(p: Principal, action: Action): boolean {
  const actor = actorOf(p);
  if (actor === null || !(POLICY[action] as readonly Actor[]).includes(actor)) return false;
  if (p.type === 'bot') {
    const scope = scopeOf(action);
    return scope !== undefined && p.scopes.includes(scope);
  }
  return true;
}

export function assertCan(p: Principal, action: Action): void {
  if (!can(p, action)) {
    if (p.type === 'bot' && (POLICY[action] as readonly Actor[]).includes('bot')) {
      throw new DomainError('FORBIDDEN', `this bot token lacks the scope ${scopeOf(action)}`, { action, scope: scopeOf(action) });
    }
    const allowed = POLICY[action].filter((a) => a !== 'bot');
    throw new DomainError('FORBIDDEN', `${action} needs the ${allowed.join(' or ')} role`, { action });
  }
}
