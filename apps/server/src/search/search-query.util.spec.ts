import { isEmptySearch, parseSearchQuery, toSnippet } from './search-query.util';

describe('parseSearchQuery', () => {
  it.each([
    ['refund order', { words: ['refund', 'order'], phrases: [] }],
    ['"order arrived late" refund', { words: ['refund'], phrases: ['order arrived late'] }],
    ['"single"', { words: ['single'], phrases: [] }],
    ['Повернення КОШТІВ', { words: ['повернення', 'коштів'], phrases: [] }],
    ["l'avion est cassé", { words: ['avion', 'est', 'cassé'], phrases: [] }],
    ["refund & | ! :* 'x'", { words: ['refund'], phrases: [] }],
    ['"unterminated phrase', { words: [], phrases: ['unterminated phrase'] }],
  ])('%s', (input, expected) => {
    const sut = parseSearchQuery(input);
    expect({ words: sut.words, phrases: sut.phrases }).toEqual(expected);
  });

  it('keeps email addresses whole and lower-cased', () => {
    expect(parseSearchQuery('from <Ana.Lopez+x@Example.com>').emails).toEqual(['ana.lopez+x@example.com']);
  });

  it('recognises ids and phone numbers for exact lookups', () => {
    const id = '3f2b8c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
    expect(parseSearchQuery(id).uuids).toEqual([id]);
    expect(parseSearchQuery('+33 6 12-34-56 78').phoneDigits).toBe('33612345678');
    expect(parseSearchQuery('refund 12345678').phoneDigits).toBeNull();
    expect(parseSearchQuery('wamid.HBgL123').token).toBe('wamid.HBgL123');
    expect(parseSearchQuery('two words').token).toBeNull();
  });

  it('drops one-letter words unless they are all there is', () => {
    expect(parseSearchQuery('a refund').words).toEqual(['refund']);
    expect(parseSearchQuery('r').words).toEqual(['r']);
  });

  it('says when nothing is left to search for', () => {
    expect(isEmptySearch(parseSearchQuery('  " " '))).toBe(true);
    expect(isEmptySearch(parseSearchQuery('x'))).toBe(false);
  });
});

describe('toSnippet', () => {
  it('turns headline markers into parts, so clients never render our HTML', () => {
    expect(toSnippet('my \u0002refund\u0003 for <b>x</b>')).toEqual([
      { text: 'my ', hit: false },
      { text: 'refund', hit: true },
      { text: ' for <b>x</b>', hit: false },
    ]);
    expect(toSnippet(null)).toEqual([]);
  });
});
