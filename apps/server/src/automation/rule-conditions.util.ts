/**
 * Automation rules as pure data and functions: validation (errors by field, for the admin
 * screen), condition matching over a conversation's facts, and template filling. Text matching
 * is case- and accent-insensitive so one rule reads French, Italian, Spanish, English and
 * Ukrainian messages alike ("Remboursé" contains "rembourse").
 */

export const RULE_EVENTS = ['conversation.created', 'message.created', 'conversation.updated', 'sla.breached', 'conversation.resolved', 'csat.received'] as const;
export type RuleEvent = (typeof RULE_EVENTS)[number];

export const RULE_FIELDS = [
  'channel',
  'inbox',
  'team',
  'status',
  'priority',
  'labels',
  'contact_email_domain',
  'message_text',
  'customer_language',
  'business_hours',
  'rating',
] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

/** `at_most` / `at_least` compare numbers (`rating` at_most 2, `priority` at_least 2). */
export const RULE_OPERATORS = ['equals', 'not_equals', 'in', 'not_in', 'contains', 'not_contains', 'matches', 'at_most', 'at_least'] as const;
export type RuleOperator = (typeof RULE_OPERATORS)[number];

export interface RuleCondition {
  field: RuleField;
  operator: RuleOperator;
  value: string | number | boolean | Array<string | number>;
}

export type RuleAction =
  | { type: 'set_team'; teamId: string }
  | { type: 'add_label'; label: string }
  | { type: 'remove_label'; label: string }
  | { type: 'set_priority'; priority: number }
  | { type: 'assign_agent'; agentId: string }
  | { type: 'send_canned_response'; cannedResponseId: string }
  | { type: 'add_note'; text: string }
  | { type: 'send_webhook'; url: string }
  | { type: 'resolve' }
  | { type: 'snooze'; seconds: number };
export const RULE_ACTION_TYPES = [
  'set_team',
  'add_label',
  'remove_label',
  'set_priority',
  'assign_agent',
  'send_canned_response',
  'add_note',
  'send_webhook',
  'resolve',
  'snooze',
] as const;

/**
 * What conditions look at. `messageText` is the triggering message (null for events without one;
 * a rating's comment on `csat.received`). `rating`: the customer's rating on `csat.received`
 * (1-5, thumbs are 1 or 5), null on other events.
 */
export interface RuleFacts {
  channel: string;
  inboxId: string;
  teamId: string | null;
  status: string;
  priority: number;
  labels: string[];
  contactEmail: string | null;
  messageText: string | null;
  language: string | null;
  businessHoursOpen: boolean;
  rating: number | null;
}

export interface RuleInput {
  name: string;
  enabled: boolean;
  event: RuleEvent;
  conditions: RuleCondition[];
  actions: RuleAction[];
  order: number;
}

/** Lower case, accents and other combining marks removed (é → e, й stays й's base и + mark removed consistently on both sides). */
export function foldText(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase('und');
}

function factOf(f: RuleFacts, field: RuleField): string | number | boolean | string[] | null {
  switch (field) {
    case 'channel':
      return f.channel;
    case 'inbox':
      return f.inboxId;
    case 'team':
      return f.teamId;
    case 'status':
      return f.status;
    case 'priority':
      return f.priority;
    case 'labels':
      return f.labels;
    case 'contact_email_domain':
      return f.contactEmail?.split('@')[1]?.toLowerCase() ?? null;
    case 'message_text':
      return f.messageText;
    case 'customer_language':
      return f.language ? f.language.toLowerCase().split(/[-_]/)[0] : null;
    case 'business_hours':
      return f.businessHoursOpen ? 'open' : 'closed';
    case 'rating':
      return f.rating;
  }
}

const asList = (v: RuleCondition['value']): string[] => (Array.isArray(v) ? v : [v]).map((x) => foldText(String(x)));

export function conditionHolds(c: RuleCondition, facts: RuleFacts): boolean {
  const fact = factOf(facts, c.field);
  const values = asList(c.value);
  const items = fact === null ? [] : Array.isArray(fact) ? fact.map((x) => foldText(x)) : [foldText(String(fact))];
  switch (c.operator) {
    case 'equals':
      return items.length > 0 && items.some((i) => i === values[0]);
    case 'not_equals':
      return !items.some((i) => i === values[0]);
    case 'in':
      return items.some((i) => values.includes(i));
    case 'not_in':
      return !items.some((i) => values.includes(i));
    case 'contains':
      return items.some((i) => values.some((v) => v !== '' && i.includes(v)));
    case 'not_contains':
      return !items.some((i) => values.some((v) => v !== '' && i.includes(v)));
    case 'matches': {
      const re = new RegExp(String(Array.isArray(c.value) ? c.value[0] : c.value), 'iu');
      return fact !== null && (Array.isArray(fact) ? fact : [String(fact)]).some((i) => re.test(i) || re.test(foldText(i)));
    }
    case 'at_most':
    case 'at_least': {
      const bound = Number(Array.isArray(c.value) ? c.value[0] : c.value);
      const n = typeof fact === 'number' ? fact : typeof fact === 'string' && fact.trim() !== '' ? Number(fact) : NaN;
      if (!Number.isFinite(n) || !Number.isFinite(bound)) return false;
      return c.operator === 'at_most' ? n <= bound : n >= bound;
    }
  }
}

/** Every condition must hold; a rule without conditions always applies. */
export function ruleMatches(conditions: readonly RuleCondition[], facts: RuleFacts): boolean {
  return conditions.every((c) => conditionHolds(c, facts));
}

/** `{{contact.name}}`-style variables; an unknown variable is left empty rather than shown raw to a customer. */
export function fillTemplate(text: string, vars: Record<string, string | null | undefined>): string {
  return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_m, key: string) => vars[key] ?? '');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a rule as an admin typed it: `{ ok: true, rule }` or the errors by field path
 * (`conditions.0.value`, `actions.1.teamId`) for the screen to show beside each input.
 */
export function validateRule(input: unknown, partialOf?: RuleInput): { ok: true; rule: RuleInput } | { ok: false; fields: Record<string, string[]> } {
  const fields: Record<string, string[]> = {};
  const err = (path: string, message: string) => (fields[path] ??= []).push(message);
  const raw = isObj(input) ? input : {};
  const merged: Record<string, unknown> = { ...(partialOf ?? {}), ...raw };
  const name = merged.name;
  if (typeof name !== 'string' || name.trim().length < 1 || name.length > 120) err('name', 'required, 1-120 characters');
  const enabled = merged.enabled ?? true;
  if (typeof enabled !== 'boolean') err('enabled', 'must be true or false');
  const event = merged.event;
  if (!RULE_EVENTS.includes(event as RuleEvent)) err('event', `must be one of ${RULE_EVENTS.join(', ')}`);
  const order = merged.order ?? 0;
  if (!Number.isInteger(order) || (order as number) < 0) err('order', 'must be a whole number ≥ 0');
  const conditions = merged.conditions ?? [];
  if (!Array.isArray(conditions) || conditions.length > 30) err('conditions', 'must be a list of at most 30 conditions');
  else
    conditions.forEach((c, i) => {
      if (!isObj(c)) return err(`conditions.${i}`, 'must be {field, operator, value}');
      if (!RULE_FIELDS.includes(c.field as RuleField)) err(`conditions.${i}.field`, `must be one of ${RULE_FIELDS.join(', ')}`);
      if (!RULE_OPERATORS.includes(c.operator as RuleOperator)) err(`conditions.${i}.operator`, `must be one of ${RULE_OPERATORS.join(', ')}`);
      const v = c.value;
      const scalar = (x: unknown) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
      if (!(scalar(v) || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' || typeof x === 'number'))))
        err(`conditions.${i}.value`, 'required: a value or a list of values');
      else if ((c.operator === 'at_most' || c.operator === 'at_least') && !(typeof v === 'number' && Number.isFinite(v))) err(`conditions.${i}.value`, 'a number to compare with');
      else if (c.operator === 'matches') {
        try {
          new RegExp(String(Array.isArray(v) ? v[0] : v), 'iu');
        } catch {
          err(`conditions.${i}.value`, 'not a valid regular expression');
        }
      }
    });
  const actions = merged.actions;
  if (!Array.isArray(actions) || actions.length === 0 || actions.length > 20) err('actions', 'at least one action (at most 20)');
  else
    actions.forEach((a, i) => {
      if (!isObj(a) || !RULE_ACTION_TYPES.includes(a.type as (typeof RULE_ACTION_TYPES)[number])) return err(`actions.${i}.type`, `must be one of ${RULE_ACTION_TYPES.join(', ')}`);
      const need = (key: string, ok: boolean, message: string) => {
        if (!ok) err(`actions.${i}.${key}`, message);
      };
      switch (a.type) {
        case 'set_team':
          return need('teamId', typeof a.teamId === 'string' && UUID.test(a.teamId), 'a team id');
        case 'assign_agent':
          return need('agentId', typeof a.agentId === 'string' && UUID.test(a.agentId), 'a user id');
        case 'send_canned_response':
          return need('cannedResponseId', typeof a.cannedResponseId === 'string' && UUID.test(a.cannedResponseId), 'a canned response id');
        case 'add_label':
        case 'remove_label':
          return need('label', typeof a.label === 'string' && a.label.trim().length > 0 && a.label.length <= 60, 'a label (1-60 characters)');
        case 'set_priority':
          return need('priority', Number.isInteger(a.priority) && (a.priority as number) >= 0 && (a.priority as number) <= 3, '0 low, 1 normal, 2 high, 3 urgent');
        case 'add_note':
          return need('text', typeof a.text === 'string' && a.text.trim().length > 0 && a.text.length <= 5000, 'the note text (1-5000 characters)');
        case 'send_webhook':
          return need('url', typeof a.url === 'string' && /^https?:\/\/[^\s]+$/i.test(a.url), 'an http(s) URL');
        case 'snooze':
          return need('seconds', Number.isInteger(a.seconds) && (a.seconds as number) >= 1 && (a.seconds as number) <= 365 * 86400, 'seconds to snooze (1 or more)');
      }
    });
  if (Object.keys(fields).length) return { ok: false, fields };
  return {
    ok: true,
    rule: {
      name: (name as string).trim(),
      enabled: enabled as boolean,
      event: event as RuleEvent,
      conditions: conditions as RuleCondition[],
      actions: actions as RuleAction[],
      order: order as number,
    },
  };
}
