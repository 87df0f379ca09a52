import { httpUrlOrNull, timeZoneOrNull, visitorInfoFrom } from './visitor-info.util';

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const NOW = new Date('2026-12-03T08:00:00.000Z');

describe('visitorInfoFrom', () => {
  it.each([
    [CHROME_WINDOWS, { browser: 'Chrome', os: 'Windows', device: 'desktop' }],
    [SAFARI_IPHONE, { browser: 'Safari', os: 'iOS', device: 'mobile' }],
    [FIREFOX_LINUX, { browser: 'Firefox', os: 'Linux', device: 'desktop' }],
  ])('parses the browser and OS of %s', (ua, want) => {
    expect(visitorInfoFrom({}, ua, NOW)).toMatchObject(want);
  });

  it('keeps checked page hints and the time zone', () => {
    const sut = visitorInfoFrom(
      { pageUrl: 'https://shop.example.com/cart?x=1', pageTitle: 'Cart', referrer: 'https://www.google.com/', timeZone: 'Europe/Kyiv', utcOffsetMinutes: 120 },
      CHROME_WINDOWS,
      NOW,
    );
    expect(sut).toMatchObject({
      browserVersion: '131.0.0.0',
      osVersion: '10',
      pageUrl: 'https://shop.example.com/cart?x=1',
      pageTitle: 'Cart',
      referrer: 'https://www.google.com/',
      timeZone: 'Europe/Kyiv',
      utcOffsetMinutes: 120,
      seenAt: NOW.toISOString(),
    });
  });

  it('drops what does not check out instead of failing', () => {
    const sut = visitorInfoFrom({ pageUrl: 'javascript:alert(1)', referrer: 'not a url', timeZone: 'Mars/Olympus', utcOffsetMinutes: 9999, pageTitle: 42 }, undefined, NOW);
    expect(sut).toEqual({
      browser: null,
      browserVersion: null,
      os: null,
      osVersion: null,
      device: null,
      pageUrl: null,
      pageTitle: null,
      referrer: null,
      timeZone: null,
      utcOffsetMinutes: null,
      seenAt: NOW.toISOString(),
    });
    expect(visitorInfoFrom('nonsense', 'x'.repeat(5000), NOW).browser).toBeNull();
  });

  it('strips control characters and cuts long titles', () => {
    expect(visitorInfoFrom({ pageTitle: `a\u0000b\nc${'x'.repeat(500)}` }, undefined, NOW).pageTitle).toHaveLength(200);
  });
});

describe('httpUrlOrNull / timeZoneOrNull', () => {
  it.each([
    ['http://a.example/', 'http://a.example/'],
    ['data:text/html,hi', null],
    ['', null],
    [42, null],
  ])('%s → %s', (v, want) => expect(httpUrlOrNull(v)).toBe(want));
  it.each([
    ['America/New_York', 'America/New_York'],
    ['UTC', 'UTC'],
    ['../etc/passwd', null],
    ['Nowhere/Land', null],
  ])('%s → %s', (v, want) => expect(timeZoneOrNull(v)).toBe(want));
});
