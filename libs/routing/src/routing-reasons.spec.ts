import {
  allAtCapacityReason,
  channelName,
  humanDuration,
  joinList,
  languageName,
  leastBusyReason,
  noEligibleAgentReason,
  reasonGroup,
  requeueReason,
  stickyReason,
} from './routing-reasons';
import { DAY, HOUR, MINUTE, SECOND } from './testing/routing.factories';

describe('languageName', () => {
  it.each([
    ['en', 'English'],
    ['fr', 'French'],
    ['it', 'Italian'],
    ['es', 'Spanish'],
    ['uk', 'Ukrainian'],
    ['de', 'German'],
    ['pt', 'Portuguese'],
    ['FR', 'French'],
    ['nl', 'nl'],
  ])('%s -> %s', (code, name) => {
    expect(languageName(code)).toBe(name);
  });
});

describe('channelName', () => {
  it('names the channel kinds for people', () => {
    expect(channelName('whatsapp')).toBe('WhatsApp');
    expect(channelName('webchat')).toBe('web chat');
  });
});

describe('joinList', () => {
  it.each([
    [[], ''],
    [['billing'], 'billing'],
    [['billing', 'refunds'], 'billing and refunds'],
    [['billing', 'refunds', 'vip'], 'billing, refunds and vip'],
  ])('%j -> %p', (items, text) => {
    expect(joinList(items)).toBe(text);
  });
});

describe('humanDuration', () => {
  it.each([
    [0, 'less than a minute'],
    [59 * SECOND, 'less than a minute'],
    [MINUTE, '1 minute'],
    [10 * MINUTE, '10 minutes'],
    [HOUR, '1 hour'],
    [23 * HOUR, '23 hours'],
    [2 * DAY + 5 * HOUR, '2 days'],
    [-5 * MINUTE, 'less than a minute'],
  ])('%i ms -> %p', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('reason texts', () => {
  const ana = { id: 'ana', name: 'Ana' };

  it('names the count and every qualifier of the eligible group', () => {
    const group = reasonGroup('fr', [], 'billing', 'Billing');
    expect(leastBusyReason(group, 'email', 4, ana)).toEqual({
      code: 'least_busy',
      params: { channel: 'email', language: 'fr', teamId: 'billing', team: 'Billing', count: 4, agent: 'Ana', agentId: 'ana' },
      text: 'least busy of 4 eligible French-speaking agents in Billing',
    });
  });

  it('lists required skills', () => {
    const group = reasonGroup(null, ['billing', 'vip'], null, null);
    expect(allAtCapacityReason(group, 'whatsapp', 2).text).toBe('all 2 eligible agents with the billing and vip skills are at capacity for WhatsApp');
  });

  it('speaks of "the only" agent when there is one', () => {
    const group = reasonGroup('uk', ['refunds'], 'billing', 'Billing');
    expect(leastBusyReason(group, 'email', 1, ana).text).toBe('the only eligible Ukrainian-speaking agent with the refunds skill in Billing with capacity');
  });

  it('says how long ago a returning customer was served', () => {
    const group = reasonGroup(null, [], 'billing', 'Billing');
    expect(stickyReason(group, 'email', ana, 2 * DAY).text).toBe('returning customer, back to Ana who served them 2 days ago');
    expect(stickyReason(group, 'email', ana, 10 * SECOND).text).toBe('returning customer, back to Ana who served them moments ago');
  });

  it('names the skills nobody has', () => {
    const group = reasonGroup('de', ['tax', 'vip'], 'billing', 'Billing');
    expect(noEligibleAgentReason(group, 'email', 'skills', { missingSkills: ['tax'] })).toMatchObject({
      params: { requirement: 'skills', missingSkills: 'tax' },
      text: 'no online agent in Billing has the tax skill',
    });
  });

  it('explains requeues with the agent name when known', () => {
    expect(requeueReason('ana', 'Ana', 'offline').text).toBe('requeued because Ana went offline');
    expect(requeueReason('ana', undefined, 'removed_from_team')).toEqual({
      code: 'requeued_removed_from_team',
      params: { agentId: 'ana', agent: 'ana' },
      text: 'requeued because ana was removed from the team',
    });
  });
});
