import { normalise } from './ingest.service';

describe('normalise', () => {
  const base = { inboxId: 'i', channel: 'api' as const, contact: { identifier: 'c' } };

  it('derives text from HTML-only messages and sanitises the HTML', () => {
    const sut = normalise({ ...base, externalId: 'x', text: '', html: '<p>Hi <script>x</script>there</p>' });
    expect(sut.text).toBe('Hi there');
    expect(sut.html).toBe('<p>Hi there</p>');
  });

  it('gives a message without an id a stable hash id', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const a = normalise({ ...base, externalId: '', text: 'same', receivedAt: at });
    const b = normalise({ ...base, externalId: '  ', text: 'same', receivedAt: at });
    const c = normalise({ ...base, externalId: '', text: 'other', receivedAt: at });
    expect(a.externalId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.externalId).toBe(a.externalId);
    expect(c.externalId).not.toBe(a.externalId);
  });
});
