import { RESET_MAIL_LOCALES, passwordResetMail, resetMailLocaleOf } from './password-reset-mail';

describe('passwordResetMail', () => {
  const link = 'https://support.example.com/reset-password/abc';

  it.each(RESET_MAIL_LOCALES)('carries the link, the name and its own words in %s', (locale) => {
    const sut = passwordResetMail(locale, 'Ana', link);
    expect(sut.text).toContain(link);
    expect(sut.text).toContain('Ana');
    expect(sut.html).toContain(`href="${link}"`);
    if (locale !== 'en') expect(sut.subject).not.toBe(passwordResetMail('en', 'Ana', link).subject);
  });

  it('escapes the name in the HTML part', () => {
    expect(passwordResetMail('en', '<b>Eve</b>', link).html).toContain('&lt;b&gt;Eve&lt;/b&gt;');
  });

  it.each([
    ['fr', 'fr'],
    ['uk-UA', 'uk'],
    ['pt', 'en'],
    [null, 'en'],
  ])('speaks %s as %s', (tag, expected) => {
    expect(resetMailLocaleOf(tag)).toBe(expected);
  });
});
