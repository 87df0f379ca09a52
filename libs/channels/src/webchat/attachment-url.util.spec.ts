import { ATTACHMENT_URL_TTL_SECONDS, checkAttachmentSignature, signAttachmentPath } from './attachment-url.util';
import { isVisitorTokenLive, visitorTokenNeedsRenewal } from './visitor-token.util';

describe('signed attachment URLs', () => {
  const key = 'k'.repeat(64);
  const now = 1_764_460_800;
  const parts = (path: string) => {
    const u = new URL(path, 'http://x');
    return { exp: u.searchParams.get('exp')!, sig: u.searchParams.get('sig')! };
  };

  it('works until it expires, then says expired', () => {
    const { exp, sig } = parts(signAttachmentPath(key, 'wt_abc', 'att-1', now));
    expect(checkAttachmentSignature(key, 'wt_abc', 'att-1', exp, sig, now)).toBe('ok');
    expect(checkAttachmentSignature(key, 'wt_abc', 'att-1', exp, sig, now + ATTACHMENT_URL_TTL_SECONDS + 301)).toBe('expired');
  });

  it('carries no visitor token', () => {
    expect(signAttachmentPath(key, 'wt_abc', 'att-1', now)).not.toMatch(/token=/);
  });

  it.each([
    ['another attachment', (e: string, s: string) => checkAttachmentSignature(key, 'wt_abc', 'att-2', e, s, now)],
    ['another inbox', (e: string, s: string) => checkAttachmentSignature(key, 'wt_other', 'att-1', e, s, now)],
    ['a later expiry', (e: string, s: string) => checkAttachmentSignature(key, 'wt_abc', 'att-1', String(Number(e) + 3600), s, now)],
    ['another key', (e: string, s: string) => checkAttachmentSignature('x'.repeat(64), 'wt_abc', 'att-1', e, s, now)],
    ['no signature', (e: string) => checkAttachmentSignature(key, 'wt_abc', 'att-1', e, undefined, now)],
  ])('refuses %s', (_, check) => {
    const { exp, sig } = parts(signAttachmentPath(key, 'wt_abc', 'att-1', now));
    expect(check(exp, sig)).toBe('invalid');
  });
});

describe('visitor token lifetime', () => {
  const claims = { inboxId: 'i', sessionId: 's', identifier: null, issuedAt: 1000 };
  it('is live within its lifetime only', () => {
    expect(isVisitorTokenLive(claims, 100, 1050)).toBe(true);
    expect(isVisitorTokenLive(claims, 100, 1100)).toBe(false);
    expect(isVisitorTokenLive({ ...claims, issuedAt: 5000 }, 100, 1000)).toBe(false);
  });
  it('is renewed past half its life', () => {
    expect(visitorTokenNeedsRenewal(claims, 100, 1049)).toBe(false);
    expect(visitorTokenNeedsRenewal(claims, 100, 1050)).toBe(true);
  });
});
