import { describe, expect, it } from 'vitest';
import { applyCanned, cannedQuery, matchCanned } from './canned';

const list = [
  { id: '1', shortcut: 'thanks', title: 'Thank you', text: 'Thanks for reaching out!' },
  { id: '2', shortcut: 'refund', title: 'Refund policy', text: 'Refunds take 5 days.' },
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
