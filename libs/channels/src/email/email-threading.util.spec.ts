import { externalIdFor, normalizeMessageId, ownMessageId, parseIdList, parseOwnMessageId, replyReferences, replySubject, threadCandidates } from './email-threading.util';

describe('email threading rules', () => {
  it.each([
    ['<abc@x.test>', 'abc@x.test'],
    ['  <abc@x.test>  ', 'abc@x.test'],
    ['abc@x.test', 'abc@x.test'],
    ['<>', null],
    ['', null],
    [null, null],
    ['<has space@x>', null],
  ])('normalizes Message-ID %p to %p', (input, expected) => {
    expect(normalizeMessageId(input)).toBe(expected);
  });

  it.each([
    ['<a@x> <b@x>\r\n <c@x>', ['a@x', 'b@x', 'c@x']],
    [
      ['<a@x>', '<b@x>'],
      ['a@x', 'b@x'],
    ],
    ['a@x, b@x', ['a@x', 'b@x']],
    [undefined, []],
  ])('reads the ids of %p', (input, expected) => {
    expect(parseIdList(input as string)).toEqual(expected);
  });

  it('tries In-Reply-To first, then References from the newest to the root, once each', () => {
    expect(threadCandidates('<c@x>', '<a@x> <b@x> <c@x>')).toEqual(['c@x', 'b@x', 'a@x']);
    expect(threadCandidates(null, null)).toEqual([]);
  });

  it('uses the Message-ID as external id, else a hash of the raw bytes that is stable', () => {
    expect(externalIdFor('<m@x>', Buffer.from('raw'))).toBe('m@x');
    const a = externalIdFor(null, Buffer.from('same bytes'));
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(externalIdFor(undefined, Buffer.from('same bytes'))).toBe(a);
    expect(externalIdFor(null, Buffer.from('other bytes'))).not.toBe(a);
  });

  it('makes our own Message-ID from the message uuid and reads it back', () => {
    const uuid = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const id = ownMessageId(uuid, 'Support@Acme.test');
    expect(id).toBe(`${uuid}.inbox@acme.test`);
    expect(parseOwnMessageId(id)).toBe(uuid);
    expect(parseOwnMessageId('random@customer.test')).toBeNull();
  });

  it.each([
    ['Help', 'Re: Help'],
    ['Re: Help', 'Re: Help'],
    ['RE: re: Help', 'Re: Help'],
    ['AW: Hilfe', 'Re: Hilfe'],
    ['Re[2]: Help', 'Re: Help'],
    ['Fwd: Help', 'Re: Fwd: Help'],
    ['', 'Re: your message'],
    [null, 'Re: your message'],
  ])('answers subject %p with %p', (input, expected) => {
    expect(replySubject(input)).toBe(expected);
  });

  it('appends the parent to the references once and caps long chains keeping the root', () => {
    expect(replyReferences(['a@x'], 'b@x')).toEqual(['a@x', 'b@x']);
    expect(replyReferences(['a@x', 'b@x'], 'b@x')).toEqual(['a@x', 'b@x']);
    const long = Array.from({ length: 30 }, (_, i) => `${i}@x`);
    const capped = replyReferences(long, 'last@x');
    expect(capped).toHaveLength(20);
    expect(capped[0]).toBe('0@x');
    expect(capped[19]).toBe('last@x');
  });
});
