import pino from 'pino';
import { Writable } from 'node:stream';
import { REDACTED_HEADERS, redactUrl, requestSerializer } from './log-redaction';

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

  it('carries a request with its headers when request lines are written (info), as id, method and URL below that', () => {
    const req = { id: 'r1', method: 'POST', url: '/x?token=secret-1', headers: { 'user-agent': 'curl' }, remoteAddress: '127.0.0.1' };
    for (const level of ['trace', 'debug', 'info']) expect(requestSerializer(level)(req)).toEqual({ ...req, url: '/x?token=[Redacted]' });
    for (const level of ['warn', 'error', 'fatal', 'silent']) expect(requestSerializer(level)(req)).toEqual({ id: 'r1', method: 'POST', url: '/x?token=[Redacted]' });
  });
});
