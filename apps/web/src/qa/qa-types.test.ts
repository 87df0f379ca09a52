import { describe, expect, it } from 'vitest';
import { conversationIdFrom, criterionKeys, isoWeekOf, scaleMarks, shiftWeek, weightedTotal, type Criterion } from './qa-types';

const criteria: Criterion[] = [
  { key: 'greeting', label: 'Greeting', weight: 1, scale: 'yes_no' },
  { key: 'accuracy', label: 'Accuracy', weight: 3, scale: '1-5' },
  { key: 'tone', label: 'Tone', weight: 2, scale: '0-2' },
];

describe('weightedTotal', () => {
  it('weighs each mark as a share of its own scale', () => {
    // (1×1 + 3×(3−1)/4 + 2×1/2) / 6
    expect(weightedTotal(criteria, { greeting: 1, accuracy: 3, tone: 1 })).toBe(58.33);
    expect(weightedTotal(criteria, { greeting: 1, accuracy: 5, tone: 2 })).toBe(100);
    expect(weightedTotal(criteria, { greeting: 0, accuracy: 1, tone: 0 })).toBe(0);
  });
  it('is null while a criterion is unscored', () => {
    expect(weightedTotal(criteria, { greeting: 1, accuracy: 3 })).toBeNull();
  });
});

describe('scales, weeks and keys', () => {
  it('offers the marks of each scale', () => {
    expect(scaleMarks('0-2')).toEqual([0, 1, 2]);
    expect(scaleMarks('1-5')).toEqual([1, 2, 3, 4, 5]);
    expect(scaleMarks('yes_no')).toEqual([0, 1]);
  });
  it('names ISO weeks across year ends', () => {
    expect(isoWeekOf(new Date('2025-04-02T12:00:00Z'))).toBe('2025-W14');
    expect(isoWeekOf(new Date('2021-01-03T12:00:00Z'))).toBe('2020-W53');
    expect(isoWeekOf(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01');
    expect(shiftWeek('2025-W01', -1)).toBe('2024-W52');
    expect(shiftWeek('2020-W53', 1)).toBe('2021-W01');
    expect(shiftWeek('2025-W14', 2)).toBe('2025-W16');
  });
  it('reads a conversation id from a pasted link', () => {
    expect(conversationIdFrom('https://x.test/inbox/0C4F1D2E-1111-4222-8333-944455556666?tab=all')).toBe('0c4f1d2e-1111-4222-8333-944455556666');
    expect(conversationIdFrom('not an id')).toBeNull();
  });
  it('makes unique keys the server accepts from any label', () => {
    expect(criterionKeys(['First reply', 'First reply!', 'Тон', 'Ça va'])).toEqual(['first_reply', 'first_reply_2', 'c3', 'ca_va']);
    // Editing: existing keys stay, a new label never takes one of them.
    expect(criterionKeys(['Greeting (renamed)', 'Greeting', 'Tone'], ['greeting', undefined, undefined])).toEqual(['greeting', 'greeting_2', 'tone']);
    for (const k of criterionKeys(['Ввічливість', 'A'.repeat(80)])) expect(k).toMatch(/^[a-z0-9_]{1,40}$/);
  });
});
