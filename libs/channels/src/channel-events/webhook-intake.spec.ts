import { bodyDigest, intakeDecision, sha256Hex } from './webhook-intake.service';

describe('intakeDecision', () => {
  it.each([
    ['work in an active inbox is queued', { work: true, reason: null }, true, { outcome: 'queued', reason: null }],
    ['work in an inactive inbox is ignored, saying so', { work: true, reason: null }, false, { outcome: 'ignored', reason: 'the inbox is inactive' }],
    ['nothing to do is ignored with the parser’s reason', { work: false, reason: 'a poll answer' }, true, { outcome: 'ignored', reason: 'a poll answer' }],
    ['nothing to do keeps the parser’s reason in an inactive inbox too', { work: false, reason: 'a poll answer' }, false, { outcome: 'ignored', reason: 'a poll answer' }],
    ['a body the parser rejects is rejected with its reason', { rejected: 'not JSON' }, true, { outcome: 'rejected', reason: 'not JSON' }],
    ['a rejected body stays rejected in an inactive inbox', { rejected: 'not JSON' }, false, { outcome: 'rejected', reason: 'not JSON' }],
  ] as const)('%s', (_what, parse, active, expected) => {
    expect(intakeDecision(parse, active)).toEqual(expected);
  });
});

describe('bodyDigest', () => {
  it('names a body by the SHA-256 of its bytes, so a retry of the same bytes is the same event', () => {
    const body = Buffer.from('{"a":1}');
    expect(bodyDigest(body)).toBe(`sha256:${sha256Hex(body)}`);
    expect(sha256Hex(body)).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
    expect(bodyDigest(Buffer.from('{"a":2}'))).not.toBe(bodyDigest(body));
  });
});
