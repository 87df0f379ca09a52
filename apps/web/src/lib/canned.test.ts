import { describe, expect, it } from 'vitest';
import type { CannedResponse } from '../api/types';
import { applyCanned, cannedQuery, fillVariables, matchCanned } from './canned';

const created = { teamId: null, createdAt: '2026-11-30T09:00:00.000Z' };
const list: CannedResponse[] = [
  { id: '1', shortcut: 'thanks', title: 'Thank you', text: 'Thanks for reaching out!', ...created },
  { id: '2', shortcut: 'refund', title: 'Refund policy', text: 'Refunds take 5 days.', ...created },
];

describe('canned responses', () => {
  it.each([
    ['/th', 'th'],
    ['hello /', ''],
    ['hello /ref', 'ref'],
    ['a/b', null],
    ['no slash', null],
  ])('cannedQuery(%j) = %j', (draft, q) => expect(cannedQuery(draft)).toBe(q));

  it('matches by shortcut prefix or title', () => {
    expect(matchCanned(list, 'ref').map((c) => c.id)).toEqual(['2']);
    expect(matchCanned(list, 'policy').map((c) => c.id)).toEqual(['2']);
    expect(matchCanned(list, '')).toHaveLength(2);
  });

  it('replaces only the trailing shortcut', () => {
    expect(applyCanned('Hi /th', list[0])).toBe('Hi Thanks for reaching out!');
    expect(applyCanned('/refund', list[1])).toBe('Refunds take 5 days.');
  });
});

describe('canned variables', () => {
  const values = { 'contact.name': 'Chloé Martin', 'contact.email': 'chloe@example.com', 'agent.name': 'Ana', 'conversation.id': 'c-42', 'conversation.subject': 'Late parcel' };

  it('fills every known variable, spaces inside the braces allowed', () => {
    const r = fillVariables('Hi {{contact.name}} ({{ contact.email }}), {{agent.name}} here about “{{conversation.subject}}” [#{{conversation.id}}]', values);
    expect(r).toEqual({ text: 'Hi Chloé Martin (chloe@example.com), Ana here about “Late parcel” [#c-42]', hasVariables: true, unknown: [], missing: [] });
  });

  it('fills a variable used twice each time', () => {
    expect(fillVariables('{{agent.name}} / {{agent.name}}', values).text).toBe('Ana / Ana');
  });

  it('flags unknown variables once each and leaves them as written', () => {
    const r = fillVariables('Hi {{contact.nmae}}, {{ticket}} {{contact.nmae}} {{agent.name}}', values);
    expect(r.text).toBe('Hi {{contact.nmae}}, {{ticket}} {{contact.nmae}} Ana');
    expect(r.unknown).toEqual(['contact.nmae', 'ticket']);
    expect(r.missing).toEqual([]);
  });

  it('flags known variables without a value instead of sending an empty gap', () => {
    const r = fillVariables('Write to {{contact.email}} about {{conversation.subject}}', { ...values, 'contact.email': null, 'conversation.subject': '  ' });
    expect(r.text).toBe('Write to {{contact.email}} about {{conversation.subject}}');
    expect(r.missing).toEqual(['contact.email', 'conversation.subject']);
  });

  it('says when there is nothing to fill', () => {
    expect(fillVariables('Plain text, {single} braces', values)).toEqual({ text: 'Plain text, {single} braces', hasVariables: false, unknown: [], missing: [] });
  });

  it('does not treat a value as a template (a contact named “{{agent.name}}” stays so)', () => {
    expect(fillVariables('Hi {{contact.name}}', { ...values, 'contact.name': '{{agent.name}}' }).text).toBe('Hi {{agent.name}}');
  });
});
