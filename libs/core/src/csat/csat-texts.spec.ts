import { CSAT_LOCALES, surveyMessageText, surveyPickerLabel, surveyReplyOptions } from './csat-texts';
import { parseRatingReply } from './csat-reply.util';

describe('surveyMessageText', () => {
  const url = 'https://help.example/csat/t0ken';

  it('web chat gets the question alone (the widget draws the stars)', () => {
    expect(surveyMessageText('webchat', 'en', 'How did we do?', url, 'stars')).toBe('How did we do?');
  });

  it('email and the API get the question and the link, no invitation to reply', () => {
    for (const channel of ['email', 'api']) expect(surveyMessageText(channel, 'en', 'How did we do?', url, 'stars')).toBe(`How did we do?\n\nRate us here: ${url}`);
  });

  it.each(['slack', 'telegram', 'whatsapp', 'messenger', 'instagram', 'x'])('%s also invites a reply, in each of the five languages and on both scales', (channel) => {
    for (const locale of CSAT_LOCALES) {
      const stars = surveyMessageText(channel, locale, 'Q', url, 'stars');
      const thumbs = surveyMessageText(channel, locale, 'Q', url, 'thumbs');
      expect(stars.startsWith(`Q\n\n`)).toBe(true);
      expect(stars).toContain(url);
      expect(stars).toMatch(/1.*5/);
      expect(thumbs).toContain('👍');
      expect(thumbs).toContain('👎');
      expect(stars).not.toBe(thumbs);
    }
    expect(surveyMessageText(channel, 'fr', 'Q', url, 'stars')).toContain('Ou répondez simplement par un chiffre de 1 à 5.');
    expect(surveyMessageText(channel, 'uk', 'Q', url, 'thumbs')).toContain('Або просто надішліть у відповідь 👍 чи 👎.');
  });
});

describe('surveyReplyOptions', () => {
  it('is null for a message that is no survey', () => {
    expect(surveyReplyOptions({})).toBeNull();
    expect(surveyReplyOptions(null)).toBeNull();
    expect(surveyReplyOptions({ csat: 'x' })).toBeNull();
  });

  it('offers 1-5 or the two thumbs, each read back as its rating', () => {
    const stars = surveyReplyOptions({ csat: { scale: 'stars' } })!;
    expect(stars.map((o) => parseRatingReply(o, 'stars'))).toEqual([1, 2, 3, 4, 5]);
    const thumbs = surveyReplyOptions({ csat: { scale: 'thumbs' } })!;
    expect(thumbs.map((o) => parseRatingReply(o, 'thumbs'))).toEqual([5, 1]);
  });
});

describe('surveyPickerLabel', () => {
  it("speaks the survey's language, English when it has none", () => {
    expect(surveyPickerLabel({ csat: { locale: 'es' } })).toBe('Valorar');
    expect(surveyPickerLabel({ csat: { locale: 'uk' } })).toBe('Оцінити');
    expect(surveyPickerLabel({ csat: { locale: 'de' } })).toBe('Rate');
    expect(surveyPickerLabel({})).toBe('Rate');
  });
});
