import { markdownToPlainText, renderMarkdown, slugify } from './markdown.util';

describe('renderMarkdown', () => {
  it('renders the usual Markdown', () => {
    const html = renderMarkdown('# Refunds\n\nSend **the order number** to [us](https://example.com/help).\n\n- one\n- two');
    expect(html).toContain('<h1>Refunds</h1>');
    expect(html).toContain('<strong>the order number</strong>');
    expect(html).toContain('<a href="https://example.com/help" rel="noopener noreferrer nofollow" target="_blank">us</a>');
    expect(html).toContain('<li>one</li>');
  });

  it.each([
    ['<script>alert(1)</script>', /<script/i],
    ['<img src=x onerror="alert(1)">', /<img[^>]*onerror/i],
    ['[click](javascript:alert(1))', /href="javascript:/i],
    ['[click](JaVaScRiPt:alert(1))', /href="javascript:/i],
    ['[x](vbscript:msgbox(1))', /href="vbscript:/i],
    ['![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)', /src="data:/i],
    ['<a href="https://x" onclick="alert(1)">x</a>', /<[a-z][^>]*\son[a-z]+=/i],
    ['<iframe src="https://evil.example"></iframe>', /<iframe/i],
    ['<svg><script>alert(1)</script></svg>', /<svg|<script/i],
    ['[x](//evil.example/path)', /href="\/\/evil/i],
  ])('neutralises hostile input: %s', (input, forbidden) => {
    expect(renderMarkdown(input)).not.toMatch(forbidden);
  });

  it('keeps hostile HTML visible as text rather than dropping what the author wrote', () => {
    expect(renderMarkdown('<script>alert(1)</script>')).toContain('&lt;script&gt;');
  });
});

describe('markdownToPlainText', () => {
  it('keeps the words and the link targets', () => {
    expect(markdownToPlainText('## Refunds\n\nSee **the** [form](https://x.example/f).')).toBe('Refunds\n\nSee the form (https://x.example/f).');
  });
});

describe('slugify', () => {
  it.each([
    ['Remboursement d’une commande', 'remboursement-d-une-commande'],
    ['¿Cómo cambio mi contraseña?', 'como-cambio-mi-contrasena'],
    ['Повернення коштів', 'povernennia-koshtiv'],
    ['!!!', 'article'],
  ])('%s → %s', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });
});
