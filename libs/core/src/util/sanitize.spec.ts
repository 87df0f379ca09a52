import { sanitizeMessageHtml } from './sanitize';
import { htmlToText } from './text';

describe('sanitizeMessageHtml', () => {
  it.each([
    ['<p onclick="x()">hi</p><script>alert(1)</script>', '<p>hi</p>'],
    ['<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow" target="_blank">x</a>'],
    ['<iframe src="https://evil"></iframe><b>ok</b>', '<b>ok</b>'],
    ['<img src="cid:logo@x">', '<img src="cid:logo@x" />'],
  ])('cleans %s', (input, expected) => {
    expect(sanitizeMessageHtml(input)).toBe(expected);
  });

  it('keeps remote images for an explicit click instead of loading them', () => {
    const out = sanitizeMessageHtml('<img src="https://tracker.example/pixel.gif" alt="p">');
    expect(out).toContain('data-remote-src="https://tracker.example/pixel.gif"');
    expect(out).not.toMatch(/\ssrc=/);
  });
});

describe('htmlToText', () => {
  it('keeps line structure and decodes entities', () => {
    expect(htmlToText('<p>Hello&nbsp;<b>you</b></p><p>a &lt; b &amp; c</p><style>p{}</style>')).toBe('Hello you\na < b & c');
  });
});
