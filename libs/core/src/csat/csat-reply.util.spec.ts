import { parseRatingReply } from './csat-reply.util';

describe('parseRatingReply', () => {
  describe('on the star scale', () => {
    it.each([
      ['4', 4],
      [' 5 ', 5],
      ['1', 1],
      ['\n3\n', 3],
      ['4/5', 4],
      ['4 / 5', 4],
      ['5!', 5],
      ['2.', 2],
      ['４', 4], // full-width digit
      ['4️⃣', 4], // keycap emoji
      ['5⭐', 5],
      ['3 ★', 3],
      ['⭐⭐⭐⭐', 4],
      ['⭐️⭐️⭐️', 3], // with emoji presentation selectors
      ['⭐ ⭐ ⭐ ⭐ ⭐', 5],
      ['★★★☆☆', 3],
      ['🌟', 1],
      ['👍', 5],
      ['👍🏽', 5], // skin tone
      ['👍👍', 5],
      ['👎', 1],
      ['👎🏿!', 1],
      ['🔘 4', 4], // a pressed button, as the Telegram adapter writes it
    ])('%j → %d', (text, rating) => {
      expect(parseRatingReply(text, 'stars')).toBe(rating);
    });

    it.each([
      '4 stars is too low, my order 12345',
      '12345',
      '0',
      '6',
      '45',
      '4 5',
      '3.5',
      '1/10',
      '5/10',
      '4/4',
      '-1',
      '+1',
      '4 please call me',
      'five',
      'thanks 👍',
      '👍👎',
      '👍👍👍👍',
      '⭐⭐⭐⭐⭐⭐',
      '★★★★☆☆',
      '☆☆☆',
      '',
      '   ',
      'order #4',
      '4?',
      '🔘',
      '🔘 Order status',
      'x'.repeat(50),
    ])('%j is not a rating', (text) => {
      expect(parseRatingReply(text, 'stars')).toBeNull();
    });

    it('takes no non-string input', () => {
      expect(parseRatingReply(null, 'stars')).toBeNull();
      expect(parseRatingReply(undefined, 'stars')).toBeNull();
    });
  });

  describe('on the thumbs scale', () => {
    it.each([
      ['👍', 5],
      ['👎', 1],
      ['5', 5],
      ['4', 5],
      ['2', 1],
      ['1', 1],
      ['⭐⭐⭐⭐⭐', 5],
      ['⭐', 1],
    ])('%j → %d', (text, rating) => {
      expect(parseRatingReply(text, 'thumbs')).toBe(rating);
    });

    it('reads the middle as no answer', () => {
      expect(parseRatingReply('3', 'thumbs')).toBeNull();
      expect(parseRatingReply('⭐⭐⭐', 'thumbs')).toBeNull();
    });
  });
});
