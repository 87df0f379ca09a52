import { CSV_BOM, csvField, csvRow, csvTable, parseCsv } from './csv.util';

describe('CSV', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line 1\nline 2', '"line 1\nline 2"'],
    ['cr\r\nlf', '"cr\r\nlf"'],
    ['Привіт, світе', '"Привіт, світе"'],
    ['日本語', '日本語'],
    ['', ''],
  ])('quotes %j as %j', (input, expected) => {
    expect(csvField(input)).toBe(expected);
  });

  it('writes numbers, booleans, nulls and dates (ISO 8601)', () => {
    expect(csvRow([1.5, -3, true, null, undefined, new Date('2026-03-29T01:00:00Z'), Number.NaN])).toBe('1.5,-3,true,,,2026-03-29T01:00:00.000Z,\r\n');
  });

  it('defuses formulas but leaves negative numbers as text numbers', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('@cmd')).toBe("'@cmd");
    expect(csvField('-12.5')).toBe('-12.5');
  });

  it('starts with a byte-order mark and parses back to the same cells', () => {
    const rows = [
      ['Олена, «Київ»', 'He said "no"\nthen left', '42'],
      ['é', '', '中文'],
    ];
    const text = csvTable(['name', 'note', 'n'], rows);
    expect(text.startsWith(CSV_BOM)).toBe(true);
    expect(Buffer.from(text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(parseCsv(text)).toEqual([['name', 'note', 'n'], ...rows]);
  });
});
