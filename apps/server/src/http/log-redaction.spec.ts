import pino from 'pino';
import { Writable } from 'node:stream';
import { REDACTED_HEADERS, redactUrl } from './log-redaction';

describe('log redaction', () => {
  it('removes visitor tokens and signatures from logged URLs', () => {
    expect(redactUrl('/api/v1/widget/wt_x/attachments/1?token=abc.def&x=1')).toBe('/api/v1/widget/wt_x/attachments/1?token=[Redacted]&x=1');
    expect(redactUrl('/a?exp=1&sig=zzz')).toBe('/a?exp=1&sig=[Redacted]');
  });

  it('never writes the visitor token header, bearer tokens or token query values', () => {
    const lines: string[] = [];
    const sut = pino({ redact: REDACTED_HEADERS }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    sut.info(
      { req: { url: redactUrl('/x?token=secret-1'), query: { token: 'secret-2', sig: 'secret-3' }, headers: { 'x-visitor-token': 'secret-4', authorization: 'Bearer secret-5' } } },
      'request',
    );
    expect(lines.join('')).not.toMatch(/secret-/);
  });
});
