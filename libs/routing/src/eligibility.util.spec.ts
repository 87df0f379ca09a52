import { anySpareCapacity, capacityFor, checkManualAssignment, hasCapacity, isEligible, normalizeLanguage, speaksLanguage } from './eligibility.util';
import { BUILT_IN_DEFAULT_CAPACITY } from './routing.constants';
import { aConversation, anAgent, aTeam } from './testing/routing.factories';

describe('capacityFor', () => {
  const team = aTeam({ defaultCapacity: { webchat: 3, email: 10 } });

  it.each([
    ['the agent override wins over the team default', { webchat: 5 }, 'webchat', 5],
    ['falls back to the team default', {}, 'webchat', 3],
    ['is 0 when neither defines the kind', {}, 'whatsapp', 0],
    ['an override of 0 means the agent cannot take that kind', { email: 0 }, 'email', 0],
    ['treats a negative override as 0', { webchat: -2 }, 'webchat', 0],
  ] as const)('%s', (_label, capacity, channel, expected) => {
    expect(capacityFor(anAgent({ capacity }), team, channel)).toBe(expected);
  });

  it('uses the built-in default capacities when there is no team', () => {
    expect(capacityFor(anAgent(), null, 'email')).toBe(10);
    expect(capacityFor(anAgent(), null, 'webchat')).toBe(3);
  });
});

describe('hasCapacity', () => {
  const team = aTeam({ defaultCapacity: { webchat: 3 } });

  it.each([
    [{}, true],
    [{ webchat: 2 }, true],
    [{ webchat: 3 }, false],
    [{ webchat: 4 }, false],
    [{ email: 9 }, true],
  ])('with load %j on a 3-chat capacity is %s', (load, expected) => {
    expect(hasCapacity(anAgent({ load }), team, 'webchat')).toBe(expected);
  });

  it('is false for a kind the agent cannot take at all', () => {
    expect(hasCapacity(anAgent(), team, 'whatsapp')).toBe(false);
  });
});

describe('anySpareCapacity', () => {
  const full = (capacity: Record<string, number>) => anAgent({ capacity, load: { ...capacity } });
  // Every kind the built-in default team allows, at its limit: nothing left under the default settings.
  const allKinds = { ...BUILT_IN_DEFAULT_CAPACITY } as Record<string, number>;

  it('is false with nobody online', () => {
    expect(anySpareCapacity([], [aTeam()])).toBe(false);
  });

  it('is false when every agent is at capacity in every kind', () => {
    expect(anySpareCapacity([full(allKinds), full(allKinds)], [])).toBe(false);
  });

  it('is true when one agent has room in one kind', () => {
    expect(anySpareCapacity([full(allKinds), anAgent({ capacity: allKinds, load: { ...allKinds, api: 2 } })], [])).toBe(true);
  });

  it("counts a team's default capacity where the agent has no override", () => {
    const agent = anAgent({ capacity: {}, load: { ...allKinds } });
    expect(anySpareCapacity([agent], [])).toBe(false);
    expect(anySpareCapacity([agent], [aTeam({ defaultCapacity: { webchat: 5 } })])).toBe(true);
  });
});

describe('normalizeLanguage', () => {
  it.each([
    ['fr', 'fr'],
    ['FR', 'fr'],
    ['fr-CA', 'fr'],
    ['pt_BR', 'pt'],
    [' en ', 'en'],
    ['', null],
    [null, null],
  ])('%p -> %p', (input, expected) => {
    expect(normalizeLanguage(input)).toBe(expected);
  });
});

describe('speaksLanguage', () => {
  it('matches regional variants on the primary language', () => {
    expect(speaksLanguage(anAgent({ languages: ['fr'] }), 'fr-CA')).toBe(true);
    expect(speaksLanguage(anAgent({ languages: ['pt-BR'] }), 'pt')).toBe(true);
  });

  it('treats an empty language list as speaking nothing', () => {
    expect(speaksLanguage(anAgent({ languages: [] }), 'en')).toBe(false);
  });

  it('lets anyone take a conversation without a language', () => {
    expect(speaksLanguage(anAgent({ languages: [] }), null)).toBe(true);
  });
});

describe('isEligible', () => {
  const sut = isEligible;
  const team = aTeam();
  const conv = aConversation({ requiredSkills: ['refunds'], language: 'fr', channel: 'webchat' });
  const able = anAgent({ skills: ['refunds', 'vip'], languages: ['en', 'fr'] });

  it('accepts an online team member with the skills, the language and room', () => {
    expect(sut(able, conv, team)).toEqual({ ok: true });
  });

  it.each([
    ['AGENT_OFFLINE', 'an offline agent', { presence: 'offline' as const }],
    ['AGENT_OFFLINE', 'an away agent', { presence: 'away' as const }],
    ['NOT_IN_TEAM', 'an agent of another team', { teamIds: ['sales'] }],
    ['MISSING_SKILL', 'an agent without the skill', { skills: ['vip'] }],
    ['LANGUAGE_MISMATCH', 'an agent who does not speak French', { languages: ['en'] }],
    ['LANGUAGE_MISMATCH', 'an agent with no declared languages', { languages: [] }],
    ['AGENT_AT_CAPACITY', 'an agent at capacity', { load: { webchat: 3 } }],
    ['AGENT_AT_CAPACITY', 'an agent who cannot take web chats', { capacity: { webchat: 0 } }],
  ])('rejects with %s %s', (code, _label, overrides) => {
    expect(sut({ ...able, ...overrides }, conv, team)).toEqual({ ok: false, code });
  });

  it("rejects with NOT_INBOX_MEMBER an agent outside the conversation's inbox", () => {
    expect(sut({ ...able, inboxIds: ['support'] }, { ...conv, inboxId: 'sales' }, team)).toEqual({ ok: false, code: 'NOT_INBOX_MEMBER' });
    expect(sut({ ...able, inboxIds: ['support', 'sales'] }, { ...conv, inboxId: 'sales' }, team)).toEqual({ ok: true });
  });

  it('reports presence first when several requirements fail', () => {
    expect(sut({ ...able, presence: 'offline', teamIds: [], skills: [], load: { webchat: 9 } }, conv, team)).toEqual({
      ok: false,
      code: 'AGENT_OFFLINE',
    });
  });

  it('does not require membership for a conversation without a team', () => {
    expect(sut({ ...able, teamIds: [] }, { ...conv, teamId: null }, null)).toEqual({ ok: true });
  });

  it("does not require membership when the conversation's team is unknown and default settings apply", () => {
    expect(sut({ ...able, teamIds: [] }, { ...conv, teamId: 'deleted-team' }, aTeam({ id: 'default' }))).toEqual({ ok: true });
  });

  it('ignores declines, which only matter relative to other candidates', () => {
    expect(sut(able, { ...conv, declinedBy: [able.id] }, team)).toEqual({ ok: true });
  });
});

describe('checkManualAssignment', () => {
  const sut = checkManualAssignment;
  const team = aTeam();
  const conv = aConversation({ channel: 'whatsapp', requiredSkills: ['vip'], language: 'it' });

  it('allows an eligible agent with room without warnings', () => {
    const agent = anAgent({ skills: ['vip'], languages: ['it'] });
    expect(sut(agent, conv, team, { force: false })).toEqual({ ok: true, overCapacity: false, warnings: [] });
  });

  it('allows any presence, team, skill and language but says what the coordinator is overriding', () => {
    const agent = anAgent({ presence: 'away', teamIds: ['sales'], skills: [], languages: [] });
    expect(sut(agent, { ...conv, declinedBy: ['ana'] }, team, { force: false })).toEqual({
      ok: true,
      overCapacity: false,
      warnings: ['AGENT_AWAY', 'NOT_IN_TEAM', 'MISSING_SKILL', 'LANGUAGE_MISMATCH', 'PREVIOUSLY_DECLINED'],
    });
  });

  it('flags an offline agent', () => {
    const result = sut(anAgent({ presence: 'offline', skills: ['vip'], languages: ['it'] }), conv, team, { force: false });
    expect(result).toEqual({ ok: true, overCapacity: false, warnings: ['AGENT_OFFLINE'] });
  });

  it('refuses to exceed capacity without force and explains why', () => {
    const agent = anAgent({ skills: ['vip'], languages: ['it'], load: { whatsapp: 3 } });
    expect(sut(agent, conv, team, { force: false })).toEqual({
      ok: false,
      code: 'AGENT_AT_CAPACITY',
      message: 'Ana already has 3 of 3 WhatsApp conversations; assign with force to exceed capacity',
    });
  });

  it('exceeds capacity when forced, and says so', () => {
    const agent = anAgent({ skills: ['vip'], languages: ['it'], load: { whatsapp: 3 } });
    expect(sut(agent, conv, team, { force: true })).toEqual({ ok: true, overCapacity: true, warnings: [] });
  });

  it('explains a zero capacity differently from a full one', () => {
    const agent = anAgent({ skills: ['vip'], languages: ['it'], capacity: { whatsapp: 0 } });
    expect(sut(agent, conv, team, { force: false })).toMatchObject({
      ok: false,
      message: 'Ana is not set up to take WhatsApp conversations (capacity 0); assign with force to override',
    });
  });
});
