import { isValidSlackRequest } from '@slack/bolt';
import { slackSignature, verifySlackSignature } from './slack-signature.util';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const now = 1_764_720_000;
const body = '{"type":"event_callback","event":{"type":"message","text":"héllo"}}';
const signed = (ts: number, b = body, s = secret) => slackSignature(s, ts, b);

describe('verifySlackSignature', () => {
  it.each([
    ['a fresh, correctly signed body', { timestampHeader: String(now), signatureHeader: signed(now) }, null],
    ['a body signed 299 s ago', { timestampHeader: String(now - 299), signatureHeader: signed(now - 299) }, null],
    ['a stale timestamp', { timestampHeader: String(now - 301), signatureHeader: signed(now - 301) }, /stale \(301 s off/],
    ['a timestamp from the future', { timestampHeader: String(now + 301), signatureHeader: signed(now + 301) }, /in the future/],
    ['no timestamp header', { timestampHeader: undefined, signatureHeader: signed(now) }, /Timestamp header missing/],
    ['no signature header', { timestampHeader: String(now), signatureHeader: undefined }, /Signature header missing/],
    ['a timestamp that is not a number', { timestampHeader: '12a', signatureHeader: signed(now) }, /not a unix time/],
    ['another signature version', { timestampHeader: String(now), signatureHeader: signed(now).replace('v0=', 'v1=') }, /unknown signature version/],
    ['another secret', { timestampHeader: String(now), signatureHeader: signed(now, body, 'other-secret') }, /signature mismatch/],
    ['a tampered body', { timestampHeader: String(now), signatureHeader: signed(now, body.replace('héllo', 'hello')) }, /signature mismatch/],
    ['a signature for another timestamp', { timestampHeader: String(now - 1), signatureHeader: signed(now) }, /signature mismatch/],
    ['a truncated signature', { timestampHeader: String(now), signatureHeader: signed(now).slice(0, 20) }, /signature mismatch/],
  ])('%s', (_, headers, failure) => {
    const sut = verifySlackSignature({ signingSecret: secret, rawBody: Buffer.from(body), nowSeconds: now, ...headers });
    if (failure === null) expect(sut).toEqual({ ok: true });
    else expect(sut).toEqual({ ok: false, reason: expect.stringMatching(failure) });
  });

  it('refuses everything when the inbox has no secret', () => {
    expect(verifySlackSignature({ signingSecret: '', rawBody: body, nowSeconds: now, timestampHeader: String(now), signatureHeader: signed(now, body, '') })).toMatchObject({
      ok: false,
    });
  });

  it("agrees with Bolt's verifier on what Slack signs", () => {
    for (const [ts, sig, ok] of [
      [now, signed(now), true],
      [now, signed(now, body, 'nope'), false],
      [now - 400, signed(now - 400), false],
    ] as const) {
      const bolt = isValidSlackRequest({ signingSecret: secret, body, headers: { 'x-slack-signature': sig, 'x-slack-request-timestamp': ts }, nowMilliseconds: now * 1000 });
      const ours = verifySlackSignature({ signingSecret: secret, rawBody: body, nowSeconds: now, timestampHeader: String(ts), signatureHeader: sig }).ok;
      expect([ours, bolt]).toEqual([ok, ok]);
    }
  });
});
