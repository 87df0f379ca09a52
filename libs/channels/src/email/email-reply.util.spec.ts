import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { trimReply } from './email-reply.util';

const corpus = (name: string) => readFileSync(resolve(__dirname, '../../../../../shared/corpus/email/reply-parsing', name), 'utf8');

describe('reply trimming for display', () => {
  it.each([
    ['Thanks!\n\nOn Mon, 1 Jan 2026 at 10:00, Support <s@x> wrote:\n> old', 'Thanks!'],
    ['Thanks!\n\nOn Mon, 1 Jan 2026 at 10:00, Support\n<s@x> wrote:\n> old', 'Thanks!'],
    ['Danke\n\nAm 01.01.2026 um 10:00 schrieb Support <s@x>:\n> alt', 'Danke'],
    ['Yes\n\n-----Original Message-----\nFrom: a\nSent: b\n\nold text', 'Yes'],
    ['Yes\n\nFrom: Support <s@x>\nSent: Monday\nTo: me\nSubject: Help\n\nold text', 'Yes'],
    ['Fine\n> quoted\n> more', 'Fine'],
    ['Looks good\n\n-- \nCarla\nACME', 'Looks good'],
    ['Ok\n\nSent from my iPhone', 'Ok'],
    ['> only a quote', '> only a quote'],
    ['plain message\nwith two lines', 'plain message\nwith two lines'],
  ])('trims %p to %p', (input, visible) => {
    expect(trimReply(input).visible).toBe(visible);
  });

  it('keeps an interleaved answer whole (corpus: email_reply_parser email_1_2)', () => {
    const text = corpus('email_reply_parser/email_1_2.txt');
    const { visible } = trimReply(text);
    expect(visible).toContain('You can list the keys for the bucket');
  });

  it.each([
    ['email_reply_parser/email_iPhone.txt', 'Here is another email'],
    ['email_reply_parser/email_BlackBerry.txt', 'Here is another email'],
    ['email_reply_parser/email_2_1.txt', 'Outlook with a reply'],
    ['talon/standard_replies/iphone_reply_text', undefined],
  ])('trims the corpus reply %s', (file, expected) => {
    const text = corpus(file);
    const { visible } = trimReply(text);
    if (expected) expect(visible).toBe(expected);
    else expect(visible.length).toBeLessThanOrEqual(text.trim().length);
  });
});
