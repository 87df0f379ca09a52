import { decide, requeueForAgent } from './routing-engine';
import type { AgentState, RoutingDecision, RoutingInput, RoutingOutput } from './routing.types';
import { aConversation, anAgent, anInput, aTeam, DAY, MINUTE, NOW, officeHours } from './testing/routing.factories';

const sut = decide;

const agentOf = (d: RoutingDecision) => ('agentId' in d ? d.agentId : null);
const summary = (out: RoutingOutput) => out.decisions.map((d) => `${d.conversationId}:${agentOf(d) ?? d.type}`);
const only = (out: RoutingOutput) => {
  expect(out.decisions).toHaveLength(1);
  return out.decisions[0];
};

describe('decide', () => {
  describe('queue order', () => {
    it('processes higher priority first, then the longest waiting', () => {
      const queue = [
        aConversation({ id: 'low-oldest', priority: 0, waitingSince: NOW - 60 * MINUTE }),
        aConversation({ id: 'urgent-newest', priority: 3, waitingSince: NOW - 1 * MINUTE }),
        aConversation({ id: 'high-newer', priority: 2, waitingSince: NOW - 5 * MINUTE }),
        aConversation({ id: 'high-older', priority: 2, waitingSince: NOW - 30 * MINUTE }),
      ];
      const out = sut(anInput({ queue, agents: [anAgent({ capacity: { webchat: 10 } })] }));
      expect(out.decisions.map((d) => d.conversationId)).toEqual(['urgent-newest', 'high-older', 'high-newer', 'low-oldest']);
    });

    it('within a priority, gives scarce capacity to the sooner SLA due time before the longer wait', () => {
      const queue = [
        aConversation({ id: 'old-no-sla', priority: 1, waitingSince: NOW - 60 * MINUTE }),
        aConversation({ id: 'due-later', priority: 1, waitingSince: NOW - 30 * MINUTE, slaDueAt: NOW + 20 * MINUTE }),
        aConversation({ id: 'due-soon', priority: 1, waitingSince: NOW - MINUTE, slaDueAt: NOW + 2 * MINUTE }),
        aConversation({ id: 'urgent-no-sla', priority: 3, waitingSince: NOW }),
      ];
      const out = sut(anInput({ queue, agents: [anAgent({ capacity: { webchat: 2 } })] }));
      expect(summary(out)).toEqual(['urgent-no-sla:ana', 'due-soon:ana', 'due-later:wait', 'old-no-sla:wait']);
    });

    it('gives scarce capacity to the most urgent conversation', () => {
      const queue = [aConversation({ id: 'normal', priority: 1, waitingSince: NOW - 60 * MINUTE }), aConversation({ id: 'urgent', priority: 3, waitingSince: NOW - MINUTE })];
      const out = sut(anInput({ queue, agents: [anAgent({ capacity: { webchat: 1 } })] }));
      expect(summary(out)).toEqual(['urgent:ana', 'normal:wait']);
      expect(out.decisions[1].reason.code).toBe('all_at_capacity');
    });

    it("breaks exact ties by conversation id, so the caller's order does not matter", () => {
      const queue = ['c3', 'c1', 'c2'].map((id) => aConversation({ id }));
      const out = sut(anInput({ queue, agents: [anAgent({ capacity: { webchat: 10 } })] }));
      expect(out.decisions.map((d) => d.conversationId)).toEqual(['c1', 'c2', 'c3']);
    });

    it('handles an empty queue', () => {
      expect(sut(anInput({ queue: [] }))).toEqual({ decisions: [], roundRobinLastAgentId: {}, warnings: [] });
    });
  });

  describe('capacity within a pass', () => {
    it("never exceeds an agent's capacity", () => {
      const queue = ['c1', 'c2', 'c3', 'c4'].map((id) => aConversation({ id }));
      const out = sut(anInput({ queue, agents: [anAgent({ load: { webchat: 1 } })] })); // team default: 3 chats
      expect(summary(out)).toEqual(['c1:ana', 'c2:ana', 'c3:wait', 'c4:wait']);
    });

    it('spreads a burst across agents as their load grows', () => {
      const queue = ['c1', 'c2', 'c3', 'c4'].map((id) => aConversation({ id }));
      const agents = [anAgent({ id: 'ana' }), anAgent({ id: 'bob', name: 'Bob' })];
      expect(summary(sut(anInput({ queue, agents })))).toEqual(['c1:ana', 'c2:bob', 'c3:ana', 'c4:bob']);
    });

    it('tracks load per channel kind', () => {
      const queue = [aConversation({ id: 'chat', channel: 'webchat' }), aConversation({ id: 'mail', channel: 'email' })];
      const out = sut(anInput({ queue, agents: [anAgent({ load: { webchat: 3 } })] }));
      expect(summary(out)).toEqual(['chat:wait', 'mail:ana']);
    });
  });

  describe('team resolution', () => {
    it('lets any online agent take a conversation without a team', () => {
      const out = sut(anInput({ queue: [aConversation({ teamId: null })], agents: [anAgent({ teamIds: [] })] }));
      expect(only(out)).toMatchObject({ type: 'assign', agentId: 'ana', teamId: null });
    });

    it('uses the built-in default capacities when no default team is given', () => {
      const queue = [aConversation({ id: 'c1', teamId: null }), aConversation({ id: 'c2', teamId: null })];
      const out = sut(anInput({ queue, agents: [anAgent({ teamIds: [], load: { webchat: 2 } })] })); // built-in: 3 chats
      expect(summary(out)).toEqual(['c1:ana', 'c2:wait']);
    });

    it("applies the caller's default team settings to teamless conversations", () => {
      const defaultTeam = aTeam({ id: 'default', name: 'Default', offerTimeoutSeconds: 20 });
      const out = sut(anInput({ queue: [aConversation({ teamId: null })], defaultTeam }));
      expect(only(out)).toMatchObject({ type: 'offer', agentId: 'ana', expiresAt: NOW + 20_000 });
    });

    it('routes a conversation of an unknown team with the default settings and warns', () => {
      const out = sut(anInput({ queue: [aConversation({ teamId: 'ghost' })], agents: [anAgent({ teamIds: [] })] }));
      expect(only(out)).toMatchObject({ type: 'assign', agentId: 'ana', teamId: 'ghost' });
      expect(out.warnings).toEqual([expect.objectContaining({ code: 'UNKNOWN_TEAM', teamId: 'ghost' })]);
    });

    it("only considers members of the conversation's team", () => {
      const agents = [anAgent({ id: 'ana', teamIds: ['sales'] }), anAgent({ id: 'bob', name: 'Bob', load: { webchat: 2 } })];
      expect(only(sut(anInput({ agents })))).toMatchObject({ agentId: 'bob' });
    });
  });

  describe('inbox membership', () => {
    it('gives a conversation only to members of its inbox, even when a non-member is less busy', () => {
      const agents = [anAgent({ id: 'ana', inboxIds: ['support'] }), anAgent({ id: 'bob', name: 'Bob', inboxIds: ['support', 'sales'], load: { webchat: 2 } })];
      expect(only(sut(anInput({ queue: [aConversation({ inboxId: 'sales' })], agents })))).toMatchObject({ type: 'assign', agentId: 'bob' });
    });

    it('keeps it waiting, saying why, when no online agent belongs to the inbox', () => {
      const out = sut(anInput({ queue: [aConversation({ inboxId: 'sales' })], agents: [anAgent({ inboxIds: ['support'] })] }));
      expect(only(out)).toMatchObject({ type: 'wait', reason: { code: 'no_eligible_agent', params: expect.objectContaining({ requirement: 'inbox' }) } });
    });

    it('combines membership with skills in one pool', () => {
      const agents = [
        anAgent({ id: 'ana', skills: ['refunds'], inboxIds: ['support'] }),
        anAgent({ id: 'bob', name: 'Bob', skills: ['refunds'], inboxIds: ['sales'], load: { webchat: 2 } }),
      ];
      const queue = [aConversation({ id: 'c1', inboxId: 'sales', requiredSkills: ['refunds'] }), aConversation({ id: 'c2', inboxId: 'support', requiredSkills: ['refunds'] })];
      expect(summary(sut(anInput({ queue, agents })))).toEqual(['c1:bob', 'c2:ana']);
    });

    it('never lets sticky routing bring a customer back to an agent who left the inbox', () => {
      const agents = [anAgent({ id: 'ana', inboxIds: [] }), anAgent({ id: 'bob', name: 'Bob', inboxIds: ['sales'], load: { webchat: 2 } })];
      const queue = [aConversation({ inboxId: 'sales', lastAgentId: 'ana', lastAgentAt: NOW - MINUTE })];
      const out = sut(anInput({ queue, agents, teams: [aTeam({ stickyWindowSeconds: 3600 })] }));
      expect(only(out)).toMatchObject({ agentId: 'bob' });
    });
  });

  describe('business hours', () => {
    it('keeps conversations waiting while the team is closed', () => {
      const teams = [aTeam({ businessHours: officeHours('America/New_York') })]; // 05:00 there
      expect(only(sut(anInput({ teams })))).toEqual({
        type: 'wait',
        conversationId: 'c1',
        teamId: 'billing',
        reason: {
          code: 'closed_hours',
          params: { timezone: 'America/New_York', teamId: 'billing', team: 'Billing' },
          text: 'Billing is outside business hours (America/New_York)',
        },
      });
    });

    it('routes normally while the team is open', () => {
      const teams = [aTeam({ businessHours: officeHours('Europe/Paris') })]; // 11:00 there
      expect(only(sut(anInput({ teams })))).toMatchObject({ type: 'assign', agentId: 'ana' });
    });

    it('routes as always-open and warns when the schedule is invalid', () => {
      const teams = [aTeam({ businessHours: officeHours('Not/AZone') })];
      const out = sut(anInput({ teams }));
      expect(only(out)).toMatchObject({ type: 'assign' });
      expect(out.warnings).toEqual([expect.objectContaining({ code: 'INVALID_BUSINESS_HOURS', teamId: 'billing' })]);
    });
  });

  describe('overflow', () => {
    const billing = aTeam({ overflowTeamId: 'support', overflowAfterSeconds: 300 });
    const support = aTeam({ id: 'support', name: 'Support' });
    const fullAna = anAgent({ load: { webchat: 3 } });
    const input = (overrides: Partial<RoutingInput> = {}) => anInput({ teams: [billing, support], agents: [fullAna], ...overrides });

    it('moves a conversation that waited past the threshold with no room in its team', () => {
      const queue = [aConversation({ waitingSince: NOW - 10 * MINUTE })];
      expect(only(sut(input({ queue })))).toEqual({
        type: 'overflow',
        conversationId: 'c1',
        fromTeamId: 'billing',
        toTeamId: 'support',
        reason: {
          code: 'overflow',
          params: {
            fromTeamId: 'billing',
            fromTeam: 'Billing',
            toTeamId: 'support',
            toTeam: 'Support',
            waitedSeconds: 600,
            cause: 'all_at_capacity',
          },
          text: 'waited 10 minutes in Billing (all eligible agents at capacity); overflowing to Support',
        },
      });
    });

    it.each([
      [2 * MINUTE, 'wait'],
      [5 * MINUTE, 'overflow'],
    ])('after waiting %i ms the decision is %s', (waited, type) => {
      expect(only(sut(input({ queue: [aConversation({ waitingSince: NOW - waited })] }))).type).toBe(type);
    });

    it('assigns in its own team when someone has room, even past the threshold', () => {
      const out = sut(input({ queue: [aConversation({ waitingSince: NOW - DAY })], agents: [anAgent()] }));
      expect(only(out)).toMatchObject({ type: 'assign', agentId: 'ana' });
    });

    it('moves conversations out of a closed team', () => {
      const closed = { ...billing, businessHours: officeHours('America/New_York') };
      const out = sut(input({ teams: [closed, support], queue: [aConversation({ waitingSince: NOW - 10 * MINUTE })] }));
      expect(only(out)).toMatchObject({ type: 'overflow', toTeamId: 'support', reason: { params: { cause: 'closed_hours' } } });
    });

    it('does not overflow into a closed team', () => {
      const closedSupport = { ...support, businessHours: officeHours('America/New_York') };
      const out = sut(input({ teams: [billing, closedSupport], queue: [aConversation({ waitingSince: NOW - 10 * MINUTE })] }));
      expect(only(out)).toMatchObject({ type: 'wait', reason: { code: 'all_at_capacity' } });
    });

    it('does not bounce a conversation back into a team it already overflowed from', () => {
      const queue = [aConversation({ waitingSince: NOW - 10 * MINUTE, overflowedFromTeamIds: ['support'] })];
      expect(only(sut(input({ queue })))).toMatchObject({ type: 'wait' });
    });

    it('warns and keeps waiting when the overflow team does not exist', () => {
      const out = sut(input({ teams: [billing], queue: [aConversation({ waitingSince: NOW - 10 * MINUTE })] }));
      expect(only(out)).toMatchObject({ type: 'wait' });
      expect(out.warnings).toEqual([expect.objectContaining({ code: 'UNKNOWN_OVERFLOW_TEAM', teamId: 'billing' })]);
    });

    it('does not also assign the overflowing conversation in the same pass', () => {
      const supportAgent = anAgent({ id: 'sam', name: 'Sam', teamIds: ['support'], capacity: { webchat: 1 } });
      const queue = [aConversation({ id: 'overflowing', priority: 3, waitingSince: NOW - 10 * MINUTE }), aConversation({ id: 'support-own', teamId: 'support' })];
      expect(summary(sut(input({ queue, agents: [fullAna, supportAgent] })))).toEqual(['overflowing:overflow', 'support-own:sam']);
    });
  });

  describe('eligibility', () => {
    it('only assigns to an online team member with the skills, the language and room', () => {
      const conv = aConversation({ requiredSkills: ['refunds'], language: 'fr' });
      const base = { skills: ['refunds'], languages: ['fr'] };
      const agents: AgentState[] = [
        anAgent({ ...base, id: 'away', presence: 'away' }),
        anAgent({ ...base, id: 'offline', presence: 'offline' }),
        anAgent({ ...base, id: 'sales', teamIds: ['sales'] }),
        anAgent({ ...base, id: 'no-skill', skills: [] }),
        anAgent({ ...base, id: 'english', languages: ['en'] }),
        anAgent({ ...base, id: 'undeclared', languages: [] }),
        anAgent({ ...base, id: 'full', load: { webchat: 3 } }),
        anAgent({ ...base, id: 'zoe', name: 'Zoe', load: { webchat: 2, email: 7 } }),
      ];
      expect(only(sut(anInput({ queue: [conv], agents })))).toMatchObject({
        type: 'assign',
        agentId: 'zoe',
        reason: { code: 'least_busy', text: 'the only eligible French-speaking agent with the refunds skill in Billing with capacity' },
      });
    });

    it('matches a regional language tag on its primary language', () => {
      const out = sut(anInput({ queue: [aConversation({ language: 'fr-CA' })], agents: [anAgent({ languages: ['FR'] })] }));
      expect(only(out)).toMatchObject({ type: 'assign', agentId: 'ana' });
    });
  });

  describe('wait reasons', () => {
    const waitReason = (input: RoutingInput) => {
      const decision = only(sut(input));
      expect(decision.type).toBe('wait');
      return decision.reason;
    };

    it('says when nobody in the team is online', () => {
      const reason = waitReason(anInput({ agents: [anAgent({ presence: 'away' })] }));
      expect(reason).toMatchObject({ code: 'no_agent_online', text: 'no agent in Billing is online' });
    });

    it.each([
      ['skills', { requiredSkills: ['vip'] }, {}, 'no online agent in Billing has the vip skill'],
      ['language', { language: 'uk' }, {}, 'no online agent in Billing speaks Ukrainian'],
      ['skills_and_language', { requiredSkills: ['vip'], language: 'uk' }, {}, 'no online agent in Billing speaks Ukrainian, and none has the vip skill'],
      [
        'combination',
        { requiredSkills: ['refunds'], language: 'fr' },
        { skills: ['refunds'], languages: ['en'] },
        'no online agent in Billing both speaks French and has the refunds skill',
      ],
    ])('names the unmet requirement: %s', (requirement, conv, agent, text) => {
      const helper = anAgent({ id: 'fred', languages: ['fr'] });
      const reason = waitReason(anInput({ queue: [aConversation(conv)], agents: [anAgent(agent), helper] }));
      expect(reason).toMatchObject({ code: 'no_eligible_agent', params: { requirement }, text });
    });

    it('says when nobody eligible can take that channel at all', () => {
      const reason = waitReason(anInput({ queue: [aConversation({ channel: 'whatsapp' })], agents: [anAgent({ capacity: { whatsapp: 0 } })] }));
      expect(reason).toMatchObject({
        code: 'no_eligible_agent',
        params: { requirement: 'channel', count: 1 },
        text: 'the only eligible agent in Billing cannot take WhatsApp conversations (capacity 0)',
      });
    });

    it('says when every eligible agent is at capacity', () => {
      const agents = [anAgent({ load: { webchat: 3 } }), anAgent({ id: 'bob', load: { webchat: 3 } })];
      expect(waitReason(anInput({ agents }))).toMatchObject({
        code: 'all_at_capacity',
        params: { count: 2, channel: 'webchat' },
        text: 'all 2 eligible agents in Billing are at capacity for web chat',
      });
    });
  });

  describe('declined offers', () => {
    it('skips an agent who declined, even when least busy', () => {
      const agents = [anAgent({ id: 'ana' }), anAgent({ id: 'bob', name: 'Bob', load: { webchat: 2 } })];
      const out = sut(anInput({ queue: [aConversation({ declinedBy: ['ana'] })], agents }));
      expect(only(out)).toMatchObject({ agentId: 'bob', reason: { params: { count: 1 } } });
    });

    it('waits rather than re-offering when only decliners are eligible', () => {
      const agents = [anAgent({ id: 'ana' }), anAgent({ id: 'bob', presence: 'away' })];
      expect(only(sut(anInput({ queue: [aConversation({ declinedBy: ['ana', 'ana'] })], agents })))).toMatchObject({
        type: 'wait',
        reason: { code: 'all_declined', text: 'the only eligible agent in Billing declined or let the offer expire' },
      });
    });

    it('reports capacity, not declines, when the agents who did not decline are just full', () => {
      const agents = [anAgent({ id: 'ana' }), anAgent({ id: 'bob', load: { webchat: 3 } })];
      const out = sut(anInput({ queue: [aConversation({ declinedBy: ['ana'] })], agents }));
      expect(only(out)).toMatchObject({ type: 'wait', reason: { code: 'all_at_capacity', params: { count: 1 } } });
    });
  });

  describe('sticky routing', () => {
    const team = aTeam({ stickyWindowSeconds: 7 * 24 * 3600 });
    const agents = [anAgent({ id: 'ana' }), anAgent({ id: 'bob', name: 'Bob', load: { webchat: 2 } })];
    const returning = aConversation({ lastAgentId: 'bob', lastAgentAt: NOW - 2 * DAY });

    it('gives a returning customer back to the agent who served them, even if busier', () => {
      expect(only(sut(anInput({ teams: [team], agents, queue: [returning] })))).toMatchObject({
        type: 'assign',
        agentId: 'bob',
        reason: {
          code: 'sticky',
          params: { agent: 'Bob', agentId: 'bob', agoSeconds: 2 * 24 * 3600 },
          text: 'returning customer, back to Bob who served them 2 days ago',
        },
      });
    });

    it.each([
      ['the last contact is outside the window', { lastAgentAt: NOW - 8 * DAY }, {}],
      ['sticky routing is off', {}, { stickyWindowSeconds: 0 }],
      ['the last agent declined', { declinedBy: ['bob'] }, {}],
    ])('falls back to least busy when %s', (_label, convOverrides, teamOverrides) => {
      const out = sut(anInput({ teams: [{ ...team, ...teamOverrides }], agents, queue: [{ ...returning, ...convOverrides }] }));
      expect(only(out)).toMatchObject({ agentId: 'ana', reason: { code: 'least_busy' } });
    });

    it.each([
      ['offline', { presence: 'offline' as const }],
      ['at capacity', { load: { webchat: 3 } }],
      ['no longer in the team', { teamIds: ['sales'] }],
    ])('falls back to least busy when the last agent is %s', (_label, bobOverrides) => {
      const out = sut(anInput({ teams: [team], agents: [agents[0], { ...agents[1], ...bobOverrides }], queue: [returning] }));
      expect(only(out)).toMatchObject({ agentId: 'ana' });
    });

    it('does not move the round-robin pointer', () => {
      const rr = { ...team, strategy: 'round_robin' as const, roundRobinLastAgentId: 'ana' };
      const out = sut(anInput({ teams: [rr], agents, queue: [returning] }));
      expect(only(out)).toMatchObject({ agentId: 'bob', reason: { code: 'sticky' } });
      expect(out.roundRobinLastAgentId).toEqual({});
    });
  });

  describe('least busy strategy', () => {
    const pick = (agents: AgentState[], channel: 'email' | 'webchat' = 'webchat') => agentOf(only(sut(anInput({ agents, queue: [aConversation({ channel })] }))));

    it("compares utilisation of the conversation's channel: 2 of 10 emails is less busy than 1 of 3", () => {
      const agents = [anAgent({ id: 'bob', capacity: { email: 3 }, load: { email: 1 } }), anAgent({ id: 'ana', capacity: { email: 10 }, load: { email: 2 } })];
      expect(pick(agents, 'email')).toBe('ana');
    });

    it('breaks utilisation ties by total load across channels', () => {
      const agents = [anAgent({ id: 'ana', load: { webchat: 1, email: 2 } }), anAgent({ id: 'bob', load: { webchat: 1 } })];
      expect(pick(agents)).toBe('bob');
    });

    it('then prefers the agent idle the longest, never-assigned first', () => {
      expect(pick([anAgent({ id: 'ana', lastAssignedAt: NOW - MINUTE }), anAgent({ id: 'bob', lastAssignedAt: NOW - 60 * MINUTE })])).toBe('bob');
      expect(pick([anAgent({ id: 'ana', lastAssignedAt: NOW - DAY }), anAgent({ id: 'bob', lastAssignedAt: null })])).toBe('bob');
    });

    it('finally breaks ties by agent id, whatever the input order', () => {
      expect(pick([anAgent({ id: 'bob' }), anAgent({ id: 'ana' })])).toBe('ana');
    });

    it('explains the choice with the number of eligible agents and the qualifiers', () => {
      const agents = ['ana', 'bob', 'cleo', 'dan'].map((id) => anAgent({ id, name: id.toUpperCase(), languages: ['fr'] }));
      const out = sut(anInput({ agents, queue: [aConversation({ language: 'fr' })] }));
      expect(only(out).reason).toEqual({
        code: 'least_busy',
        params: { channel: 'webchat', language: 'fr', teamId: 'billing', team: 'Billing', count: 4, agent: 'ANA', agentId: 'ana' },
        text: 'least busy of 4 eligible French-speaking agents in Billing',
      });
    });
  });

  describe('round robin strategy', () => {
    const agents = ['a', 'b', 'c', 'd'].map((id) => anAgent({ id, name: id.toUpperCase(), capacity: { webchat: 10 } }));
    const rr = (pointer: string | null) => aTeam({ strategy: 'round_robin', roundRobinLastAgentId: pointer });
    const pick = (pointer: string | null, agentList = agents) => agentOf(only(sut(anInput({ agents: agentList, teams: [rr(pointer)] }))));

    it.each([
      [null, 'a', 'starts with the first agent by id'],
      ['b', 'c', 'takes the next agent after the pointer'],
      ['d', 'a', 'wraps around after the last agent'],
      ['bb', 'c', 'continues after a pointer agent who no longer exists'],
    ] as Array<[string | null, string, string]>)('pointer %p -> %s (%s)', (pointer, expected) => {
      expect(pick(pointer)).toBe(expected);
    });

    it('skips agents who are not eligible or have no room', () => {
      const list = agents.map((a) => (a.id === 'c' ? { ...a, presence: 'away' as const } : a.id === 'd' ? { ...a, load: { webchat: 10 } } : a));
      expect(pick('b', list)).toBe('a');
    });

    it('rotates within a pass and reports the last agent given', () => {
      const queue = ['c1', 'c2', 'c3'].map((id) => aConversation({ id }));
      const out = sut(anInput({ agents, teams: [rr('b')], queue }));
      expect(summary(out)).toEqual(['c1:c', 'c2:d', 'c3:a']);
      expect(out.roundRobinLastAgentId).toEqual({ billing: 'a' });
      expect(out.decisions[0].reason).toMatchObject({
        code: 'round_robin',
        text: 'next in round-robin rotation of 4 eligible agents in Billing',
      });
    });

    it('keeps independent rotations per team', () => {
      const sales = aTeam({ id: 'sales', name: 'Sales', strategy: 'round_robin', roundRobinLastAgentId: 'a' });
      const everyone = agents.map((a) => ({ ...a, teamIds: ['billing', 'sales'] }));
      const queue = [aConversation({ id: 'c1' }), aConversation({ id: 'c2', teamId: 'sales' })];
      const out = sut(anInput({ agents: everyone, teams: [rr('c'), sales], queue }));
      expect(summary(out)).toEqual(['c1:d', 'c2:b']);
      expect(out.roundRobinLastAgentId).toEqual({ billing: 'd', sales: 'b' });
    });
  });

  describe('manual strategy', () => {
    const manual = aTeam({ strategy: 'manual', stickyWindowSeconds: 7 * 24 * 3600 });

    it('never assigns and says how many agents a coordinator could pick', () => {
      const queue = [aConversation({ id: 'c1', lastAgentId: 'ana', lastAgentAt: NOW - DAY }), aConversation({ id: 'c2' })];
      const agents = [anAgent({ id: 'ana' }), anAgent({ id: 'bob' })];
      const out = sut(anInput({ teams: [manual], agents, queue }));
      expect(out.decisions).toEqual([expect.objectContaining({ type: 'wait', conversationId: 'c1' }), expect.objectContaining({ type: 'wait', conversationId: 'c2' })]);
      expect(out.decisions[1].reason).toMatchObject({
        code: 'manual_pick',
        params: { count: 2 },
        text: 'Billing uses manual assignment: waiting for a coordinator to pick an agent (2 eligible agents with capacity)',
      });
    });

    it('overflows once nobody could take it and the threshold passed', () => {
      const teams = [{ ...manual, overflowTeamId: 'support', overflowAfterSeconds: 60 }, aTeam({ id: 'support', name: 'Support' })];
      const queue = [aConversation({ waitingSince: NOW - 10 * MINUTE })];
      const out = sut(anInput({ teams, queue, agents: [anAgent({ load: { webchat: 3 } })] }));
      expect(only(out)).toMatchObject({ type: 'overflow', toTeamId: 'support' });
    });
  });

  describe('offers', () => {
    const offering = aTeam({ offerTimeoutSeconds: 30 });

    it('offers instead of assigning when the team uses offer-and-accept', () => {
      expect(only(sut(anInput({ teams: [offering] })))).toMatchObject({
        type: 'offer',
        agentId: 'ana',
        teamId: 'billing',
        expiresAt: NOW + 30_000,
        reason: { code: 'least_busy' },
      });
    });

    it("counts pending offers toward the agent's load", () => {
      const queue = [aConversation({ id: 'c1' }), aConversation({ id: 'c2' })];
      const out = sut(anInput({ teams: [offering], queue, agents: [anAgent({ capacity: { webchat: 1 } })] }));
      expect(summary(out)).toEqual(['c1:ana', 'c2:wait']);
    });
  });

  describe('purity', () => {
    const busyInput = () =>
      anInput({
        teams: [aTeam({ strategy: 'round_robin', roundRobinLastAgentId: 'bob', stickyWindowSeconds: 3600 })],
        agents: [anAgent({ id: 'ana' }), anAgent({ id: 'bob', load: { webchat: 1 } }), anAgent({ id: 'cy', presence: 'away' })],
        queue: ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'].map((id, i) =>
          aConversation({ id, priority: i % 3, lastAgentId: i === 2 ? 'ana' : null, lastAgentAt: i === 2 ? NOW - MINUTE : null }),
        ),
      });

    it('does not mutate its input', () => {
      const input = busyInput();
      const before = structuredClone(input);
      sut(deepFreeze(input));
      expect(input).toEqual(before);
    });

    it('returns the same decisions whatever the order of queue and agents', () => {
      const input = busyInput();
      const reversed = { ...input, queue: [...input.queue].reverse(), agents: [...input.agents].reverse() };
      expect(sut(reversed)).toEqual(sut(input));
    });

    it('returns exactly one decision per queued conversation', () => {
      const input = busyInput();
      const ids = sut(input).decisions.map((d) => d.conversationId);
      expect([...ids].sort()).toEqual(input.queue.map((c) => c.id).sort());
    });
  });
});

describe('requeueForAgent', () => {
  it("puts the agent's conversations back in the queue with the reason", () => {
    const sut = requeueForAgent;
    const conversations = [
      { id: 'c1', teamId: 'billing' },
      { id: 'c2', teamId: null },
    ];
    expect(sut('ana', conversations, 'offline', { agentName: 'Ana' })).toEqual([
      {
        type: 'wait',
        conversationId: 'c1',
        teamId: 'billing',
        reason: { code: 'requeued_agent_offline', params: { agentId: 'ana', agent: 'Ana' }, text: 'requeued because Ana went offline' },
      },
      {
        type: 'wait',
        conversationId: 'c2',
        teamId: null,
        reason: { code: 'requeued_agent_offline', params: { agentId: 'ana', agent: 'Ana' }, text: 'requeued because Ana went offline' },
      },
    ]);
  });

  it('explains a removal from the team', () => {
    const [decision] = requeueForAgent('ana', [{ id: 'c1', teamId: 'billing' }], 'removed_from_team');
    expect(decision.reason.code).toBe('requeued_removed_from_team');
  });

  it('returns nothing for an agent without conversations', () => {
    expect(requeueForAgent('ana', [], 'offline')).toEqual([]);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
