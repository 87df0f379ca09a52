import { criteriaErrors, isoWeekOf, parseIsoWeek, scoreErrors, totalPercent, type Criterion } from './qa-score.util';

const criteria: Criterion[] = [
  { key: 'greeting', label: 'Greeting', weight: 1, scale: 'yes_no' },
  { key: 'accuracy', label: 'Accuracy', weight: 3, scale: '1-5' },
  { key: 'tone', label: 'Tone', weight: 2, scale: '0-2' },
];

describe('totalPercent', () => {
  it('weights each criterion by its share of the best mark', () => {
    // (1×1 + 3×0.5 + 2×0.5) / 6 = 3.5 / 6
    expect(
      totalPercent(criteria, [
        { key: 'greeting', score: 1 },
        { key: 'accuracy', score: 3 },
        { key: 'tone', score: 1 },
      ]),
    ).toBe(58.33);
  });
  it('is 100 for best marks and 0 for the worst', () => {
    expect(
      totalPercent(criteria, [
        { key: 'greeting', score: 1 },
        { key: 'accuracy', score: 5 },
        { key: 'tone', score: 2 },
      ]),
    ).toBe(100);
    expect(
      totalPercent(criteria, [
        { key: 'greeting', score: 0 },
        { key: 'accuracy', score: 1 },
        { key: 'tone', score: 0 },
      ]),
    ).toBe(0);
  });
});

describe('scoreErrors', () => {
  it('asks for every criterion once, within its scale', () => {
    expect(
      scoreErrors(criteria, [
        { key: 'greeting', score: 1 },
        { key: 'accuracy', score: 5 },
        { key: 'tone', score: 2 },
      ]),
    ).toEqual([]);
    expect(
      scoreErrors(criteria, [
        { key: 'greeting', score: 2 },
        { key: 'accuracy', score: 0 },
        { key: 'bogus', score: 1 },
      ]),
    ).toEqual(['greeting: 2 is outside yes_no', 'accuracy: 0 is outside 1-5', 'bogus: not a criterion of this scorecard', 'tone: not scored']);
  });
  it('refuses fractions and duplicates', () => {
    expect(
      scoreErrors(criteria, [
        { key: 'greeting', score: 1 },
        { key: 'greeting', score: 1 },
        { key: 'accuracy', score: 2.5 },
        { key: 'tone', score: 1 },
      ]),
    ).toEqual(['greeting: scored twice', 'accuracy: 2.5 is outside 1-5']);
  });
});

describe('criteriaErrors', () => {
  it('wants unique keys and positive weights', () => {
    expect(criteriaErrors([...criteria, { key: 'tone', label: 'x', weight: 0, scale: '0-2' }])).toEqual(['tone: duplicate key', 'tone: weight must be positive']);
  });
});

describe('ISO weeks', () => {
  it.each([
    ['2025-W01', '2024-12-30T00:00:00.000Z'],
    ['2025-W14', '2025-03-31T00:00:00.000Z'],
    ['2020-W53', '2020-12-28T00:00:00.000Z'],
    ['2026-W01', '2025-12-29T00:00:00.000Z'],
  ])('%s starts on Monday %s and round-trips', (week, start) => {
    const w = parseIsoWeek(week)!;
    expect(w.start.toISOString()).toBe(start);
    expect(w.end.getTime() - w.start.getTime()).toBe(7 * 86400_000);
    expect(isoWeekOf(w.start)).toBe(week);
    expect(isoWeekOf(new Date(w.end.getTime() - 1))).toBe(week);
  });
  it('refuses malformed weeks and a week 53 the year does not have', () => {
    expect(parseIsoWeek('2025-14')).toBeNull();
    expect(parseIsoWeek('2025-W00')).toBeNull();
    expect(parseIsoWeek('2025-W53')).toBeNull();
  });
});
