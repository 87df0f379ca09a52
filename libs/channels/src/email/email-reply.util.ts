/**
 * Display trimming of a reply: the quoted previous mail and the signature go, the
 * new text stays. Only for display: the full body is stored next to it. When in
 * doubt it keeps text (an agent reading a quote is better than a lost sentence), so
 * an interleaved answer ("> question" / answer / "> question" / answer) is kept whole.
 */
const ON_WROTE = /^\s*(on|am|le|el|il|op|den|em)\s.{0,300}(wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev|escreveu)(\s.{0,200})?:\s*$/i;
const SEPARATORS: RegExp[] = [
  /^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|forwarded message|weitergeleitete nachricht)\s*-{2,}\s*$/i,
  /^\s*(_{20,}|-{20,})\s*$/,
];
const OUTLOOK_FROM = /^\s*\*?(from|von|de|van)\s*:\s*\*?\s*.+$/i;
const OUTLOOK_NEXT = /^\s*\*?(sent|date|gesendet|envoyé|to|an|subject|betreff|cc)\s*:/i;
const SIGNATURE_LINES: RegExp[] = [
  /^-- ?$/,
  /^\s*(sent|envoyé|gesendet|enviado) (from|de|von|desde) my .{0,60}$/i,
  /^\s*sent from (my )?(iphone|ipad|blackberry|android|mobile|samsung|windows phone).{0,60}$/i,
  /^\s*get outlook for .{0,30}$/i,
];

export interface TrimmedReply {
  visible: string;
  trimmed: boolean;
}

const quoted = (l: string) => /^\s*>/.test(l);
const blank = (l: string) => !l.trim();

export function trimReply(text: string): TrimmedReply {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const before = lines.slice(0, i);
    if (!before.some((l) => !blank(l) && !quoted(l))) continue;
    const line = lines[i];
    const rest = lines.slice(i + 1);
    // "On <date>, <name> <addr>" is often wrapped before "wrote:".
    const onWrote = ON_WROTE.test(line) || (/^\s*(on|am|le)\s/i.test(line) && i + 1 < lines.length && ON_WROTE.test(`${line} ${lines[i + 1]}`));
    const onlyQuotesAfter = (from: number) => lines.slice(from).every((l) => blank(l) || quoted(l));
    if (onWrote && onlyQuotesAfter(ON_WROTE.test(line) ? i + 1 : i + 2)) {
      cut = i;
      break;
    }
    const separator = SEPARATORS.some((re) => re.test(line)) && rest.slice(0, 6).some((l) => OUTLOOK_FROM.test(l) || OUTLOOK_NEXT.test(l));
    const outlook = OUTLOOK_FROM.test(line) && rest.slice(0, 4).some((l) => OUTLOOK_NEXT.test(l));
    if (separator || outlook || SEPARATORS[0].test(line)) {
      cut = i;
      break;
    }
    if (quoted(line) && onlyQuotesAfter(i)) {
      cut = i;
      break;
    }
  }
  let kept = lines.slice(0, cut);
  const sig = kept.findIndex((l, i) => i > 0 && SIGNATURE_LINES.some((re) => re.test(l)));
  if (sig > 0 && kept.slice(0, sig).some((l) => l.trim())) kept = kept.slice(0, sig);
  const visible = kept.join('\n').trim();
  if (!visible) return { visible: text.trim(), trimmed: false };
  return { visible, trimmed: visible !== text.trim() };
}
