import { RuleCondition, RuleFacts, conditionHolds, fillTemplate, ruleMatches, validateRule } from './rule-conditions.util';

const facts = (o: Partial<RuleFacts> = {}): RuleFacts => ({
  channel: 'email',
  inboxId: '11111111-1111-1111-1111-111111111111',
  teamId: null,
  status: 'open',
  priority: 1,
  labels: ['vip'],
  contactEmail: 'Jean@Exemple.FR',
  messageText: 'Bonjour, je voudrais être REMBOURSÉ',
  language: 'fr-FR',
  businessHoursOpen: true,
  rating: null,
  ...o,
});

const refund: RuleCondition = { field: 'message_text', operator: 'contains', value: ['refund', 'rembourse', 'rimborso', 'reembolso', 'повернення'] };

describe('conditionHolds', () => {
  it.each<[string, RuleCondition, Partial<RuleFacts>, boolean]>([
    ['text contains, ignoring case and accents (French)', refund, {}, true],
    ['text contains (English)', refund, { messageText: 'I want a REFUND please' }, true],
    ['text contains (Italian)', refund, { messageText: 'Vorrei un rimborso' }, true],
    ['text contains (Spanish, accented input)', refund, { messageText: 'Quiero un reembolsó' }, true],
    ['text contains (Ukrainian, Cyrillic case)', refund, { messageText: 'Прошу ПОВЕРНЕННЯ коштів' }, true],
    ['text without any of the words', refund, { messageText: 'Where is my parcel?' }, false],
    ['no message text (an event without a message)', refund, { messageText: null }, false],
    [
      'text matches a regular expression, case-insensitive',
      { field: 'message_text', operator: 'matches', value: 'order\\s*#?\\d{4,}' },
      { messageText: 'About ORDER #12345' },
      true,
    ],
    ['channel equals', { field: 'channel', operator: 'equals', value: 'email' }, {}, true],
    ['channel not equals', { field: 'channel', operator: 'not_equals', value: 'email' }, {}, false],
    ['priority in a list', { field: 'priority', operator: 'in', value: [2, 3] }, { priority: 3 }, true],
    ['labels contain one of', { field: 'labels', operator: 'in', value: ['gold', 'vip'] }, {}, true],
    ['labels not in', { field: 'labels', operator: 'not_in', value: ['vip'] }, {}, false],
    ['contact email domain, case-insensitive', { field: 'contact_email_domain', operator: 'equals', value: 'exemple.fr' }, {}, true],
    ['no email: the domain never equals', { field: 'contact_email_domain', operator: 'equals', value: 'exemple.fr' }, { contactEmail: null }, false],
    ['customer language by its base tag', { field: 'customer_language', operator: 'in', value: ['fr', 'it'] }, {}, true],
    ['business hours closed', { field: 'business_hours', operator: 'equals', value: 'closed' }, { businessHoursOpen: false }, true],
    ['business hours open', { field: 'business_hours', operator: 'equals', value: 'closed' }, {}, false],
    ['team equals, no team', { field: 'team', operator: 'equals', value: '22222222-2222-2222-2222-222222222222' }, {}, false],
    ['a rating at most 2: a 2', { field: 'rating', operator: 'at_most', value: 2 }, { rating: 2 }, true],
    ['a rating at most 2: a 1', { field: 'rating', operator: 'at_most', value: 2 }, { rating: 1 }, true],
    ['a rating at most 2: a 3', { field: 'rating', operator: 'at_most', value: 2 }, { rating: 3 }, false],
    ['a rating at least 4: a 5', { field: 'rating', operator: 'at_least', value: 4 }, { rating: 5 }, true],
    ['a rating at least 4: a 3', { field: 'rating', operator: 'at_least', value: 4 }, { rating: 3 }, false],
    ['no rating (another event) is never at most anything', { field: 'rating', operator: 'at_most', value: 5 }, {}, false],
    ['a rating in a list', { field: 'rating', operator: 'in', value: [1, 2] }, { rating: 1 }, true],
    ['priority at least high', { field: 'priority', operator: 'at_least', value: 2 }, { priority: 3 }, true],
  ])('%s', (_what, c, o, expected) => {
    expect(conditionHolds(c, facts(o))).toBe(expected);
  });
});

describe('ruleMatches', () => {
  it('needs every condition', () => {
    expect(ruleMatches([refund, { field: 'channel', operator: 'equals', value: 'email' }], facts())).toBe(true);
    expect(ruleMatches([refund, { field: 'channel', operator: 'equals', value: 'slack' }], facts())).toBe(false);
  });
  it('always applies without conditions', () => {
    expect(ruleMatches([], facts())).toBe(true);
  });
});

describe('fillTemplate', () => {
  it('fills known variables and empties unknown ones', () => {
    expect(fillTemplate('Hi {{contact.name}}, about {{ conversation.subject }}{{nope}}.', { 'contact.name': 'Jean', 'conversation.subject': 'your order' })).toBe(
      'Hi Jean, about your order.',
    );
  });
});

describe('validateRule', () => {
  const good = { name: 'Refunds', event: 'message.created', conditions: [refund], actions: [{ type: 'add_label', label: 'refund' }] };

  it('accepts a complete rule, enabled by default', () => {
    expect(validateRule(good)).toEqual({ ok: true, rule: { ...good, enabled: true, order: 0 } });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing name', { name: '' }, 'name'],
    ['an unknown event', { event: 'message.deleted' }, 'event'],
    ['an unknown field', { conditions: [{ field: 'mood', operator: 'equals', value: 'x' }] }, 'conditions.0.field'],
    ['a bad regular expression', { conditions: [{ field: 'message_text', operator: 'matches', value: '(' }] }, 'conditions.0.value'],
    ['no actions', { actions: [] }, 'actions'],
    ['a set_team without a team id', { actions: [{ type: 'set_team', teamId: 'billing' }] }, 'actions.0.teamId'],
    ['a priority out of range', { actions: [{ type: 'set_priority', priority: 7 }] }, 'actions.0.priority'],
    ['a webhook that is not http(s)', { actions: [{ type: 'send_webhook', url: 'ftp://x' }] }, 'actions.0.url'],
    ['an unknown action', { actions: [{ type: 'explode' }] }, 'actions.0.type'],
    ['a comparison with no number', { conditions: [{ field: 'rating', operator: 'at_most', value: 'low' }] }, 'conditions.0.value'],
  ])('names the field of %s', (_what, patch, field) => {
    const out = validateRule({ ...good, ...patch });
    expect(out.ok).toBe(false);
    expect(Object.keys((out as { fields: Record<string, string[]> }).fields)).toEqual([field]);
  });

  it('accepts a rule on a low rating', () => {
    const low = { name: 'Unhappy', event: 'csat.received', conditions: [{ field: 'rating', operator: 'at_most', value: 2 }], actions: [{ type: 'set_priority', priority: 2 }] };
    expect(validateRule(low)).toEqual({ ok: true, rule: { ...low, enabled: true, order: 0 } });
  });

  it('validates a partial update against the stored rule', () => {
    const stored = { ...good, enabled: true, order: 0 } as never;
    expect(validateRule({ enabled: false }, stored)).toMatchObject({ ok: true, rule: { name: 'Refunds', enabled: false } });
  });
});
