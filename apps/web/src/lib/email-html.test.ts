import { describe, expect, it } from 'vitest';
import { emailFrameDocument, sanitizeEmailHtml } from './email-html';

describe('sanitizeEmailHtml', () => {
  const cases: Array<[string, string, RegExp | null, RegExp | null]> = [
    ['drops scripts', '<p>hi</p><script>alert(1)</script>', /<p>hi<\/p>/, /script|alert/],
    ['drops event handlers', '<img src="data:image/png;base64,AA" onerror="alert(1)"><b onclick="x()">b</b>', /<b>b<\/b>/, /onerror|onclick/],
    ['drops javascript: links', '<a href="javascript:alert(1)">x</a>', /<a [^>]*>x<\/a>/, /javascript/],
    ['drops obfuscated javascript: links', '<a href=" jav&#x09;ascript:alert(1)">x</a>', /x<\/a>/, /javascript|alert/],
    ['keeps web links, opened apart', '<a href="https://example.com">x</a>', /href="https:\/\/example.com".*rel="noopener noreferrer"/, null],
    ['drops iframes and forms', '<iframe src="https://evil"></iframe><form action="https://evil"><input></form>ok', /ok/, /iframe|form|input/],
    ['drops style with url()', '<div style="background:url(https://track/x)">x</div>', /<div>x<\/div>/, /track/],
    ['drops svg (script vector)', '<svg><script>alert(1)</script></svg>ok', /ok/, /svg|alert/],
  ];
  it.each(cases)('%s', (_name, input, keep, gone) => {
    const { html } = sanitizeEmailHtml(input);
    if (keep) expect(html).toMatch(keep);
    if (gone) expect(html).not.toMatch(gone);
  });

  it('blocks remote images until allowed, and counts them', () => {
    const input = '<img src="https://tracker.example/pixel.gif"><img src="data:image/png;base64,AA">';
    const blocked = sanitizeEmailHtml(input);
    expect(blocked.blockedImages).toBe(1);
    expect(blocked.html).not.toContain('tracker.example');
    expect(blocked.html).toContain('data:image/png');
    const allowed = sanitizeEmailHtml(input, { allowRemoteImages: true });
    expect(allowed.blockedImages).toBe(0);
    expect(allowed.html).toContain('https://tracker.example/pixel.gif');
  });
});

describe('emailFrameDocument', () => {
  it('forbids scripts and remote loads by CSP', () => {
    expect(emailFrameDocument('<p>x</p>', false)).toContain("default-src 'none'; img-src data:;");
    expect(emailFrameDocument('<p>x</p>', true)).toContain('img-src data: https: http:');
  });
});
