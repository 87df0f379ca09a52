import type { CsatScale } from './csat-texts';

/**
 * Reads a customer's chat reply as a survey answer when the reply is nothing but a rating:
 * "4", " 5 ", "4/5", "5!", "４", "4️⃣", "⭐⭐⭐⭐", "★★★☆☆", "👍", "👎🏽". Anything with more in it
 * ("4 stars is too low, my order 12345") is a message, not a rating: the customer is talking,
 * and a support team wants that read as a conversation. A pressed button arrives as its label
 * behind "🔘" (how chat adapters write a button press as text): "🔘 4".
 *
 * The answer on the survey's scale: stars are 1-5 (a thumb up counts 5, down 1); thumbs are 5 (up)
 * or 1 (down), where a digit counts by its side of the middle (4-5 up, 1-2 down, 3 is no answer).
 * Null: not a rating.
 */
export function parseRatingReply(text: string | null | undefined, scale: CsatScale): number | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const s = text
    .normalize('NFKC')
    // Emoji presentation, keycap and skin-tone marks say nothing about the value.
    .replace(/[\uFE0E\uFE0F\u20E3]|\u{1F3FB}|\u{1F3FC}|\u{1F3FD}|\u{1F3FE}|\u{1F3FF}/gu, '')
    .trim()
    .replace(/^🔘\s*/u, '')
    .replace(/[.!]+$/u, '')
    .trim();
  const stars = starsOf(s);
  if (stars === null) return null;
  if (scale === 'stars') return stars;
  if (stars >= 4) return 5;
  if (stars <= 2) return 1;
  return null;
}

/** 1-5 on the star scale, or null. */
function starsOf(s: string): number | null {
  const digit = /^([1-5])(?:\s*\/\s*5)?(?:\s*[⭐★🌟])?$/u.exec(s);
  if (digit) return Number(digit[1]);
  // Stars, optionally padded with empty ones to five: "⭐⭐⭐⭐", "★★★☆☆".
  const drawn = /^((?:[⭐★🌟]\s*){1,5})((?:☆\s*)*)$/u.exec(s);
  if (drawn) {
    const full = [...drawn[1].replace(/\s/g, '')].length;
    const empty = [...drawn[2].replace(/\s/g, '')].length;
    return full + empty <= 5 ? full : null;
  }
  // One to three thumbs of one kind.
  if (/^(?:👍\s*){1,3}$/u.test(s)) return 5;
  if (/^(?:👎\s*){1,3}$/u.test(s)) return 1;
  return null;
}
