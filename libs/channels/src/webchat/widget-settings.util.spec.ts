import { isOriginAllowed, normaliseOrigin, parseWidgetSettings } from './widget-settings.util';

describe('normaliseOrigin', () => {
  it.each([
    ['https://www.example.com', 'https://www.example.com'],
    ['https://www.example.com/', 'https://www.example.com'],
    ['HTTP://Example.COM:8080', 'http://example.com:8080'],
    ['https://example.com:443', 'https://example.com'],
    ['*', '*'],
    ['https://example.com/shop', null],
    ['https://example.com?x=1', null],
    ['ftp://example.com', null],
    ['javascript:alert(1)', null],
    ['example.com', null],
  ])('%s → %s', (input, expected) => {
    expect(normaliseOrigin(input)).toBe(expected);
  });
});

describe('isOriginAllowed', () => {
  it.each([
    [['https://shop.example.com'], 'https://shop.example.com', true],
    [['https://shop.example.com'], 'https://evil.example.com', false],
    [['https://shop.example.com'], 'http://shop.example.com', false],
    [['https://shop.example.com'], undefined, false],
    [['https://shop.example.com'], 'null', false],
    [['*'], undefined, true],
    [['*'], 'https://anything.test', true],
  ] as const)('%j allows %s: %s', (allowed, origin, expected) => {
    expect(isOriginAllowed(allowed, origin)).toBe(expected);
  });
});

describe('parseWidgetSettings', () => {
  it('fills defaults and keeps only known, valid settings', () => {
    const r = parseWidgetSettings(
      { allowedOrigins: ['https://shop.example.com/', 'https://shop.example.com'], widget: { title: '  Help  ', preChatForm: { enabled: true, requireEmail: true } } },
      'wt_x',
    );
    expect(r).toEqual({
      settings: expect.objectContaining({
        websiteToken: 'wt_x',
        allowedOrigins: ['https://shop.example.com'],
        color: '#1f6feb',
        title: 'Help',
        position: 'right',
        preChatForm: { enabled: true, requireName: false, requireEmail: true },
        businessHours: null,
      }),
    });
  });

  it.each([
    [{}, 'allowedOrigins'],
    [{ allowedOrigins: [] }, 'allowedOrigins'],
    [{ allowedOrigins: ['not an origin'] }, 'allowedOrigins'],
    [{ allowedOrigins: ['*'], widget: { color: 'red' } }, 'widget.color'],
    [{ allowedOrigins: ['*'], widget: { position: 'top' } }, 'widget.position'],
    [{ allowedOrigins: ['*'], widget: { locale: 'de' } }, 'widget.locale'],
    [{ allowedOrigins: ['*'], widget: { businessHours: { timezone: 'Mars/Olympus', days: {} } } }, 'widget.businessHours'],
    [{ allowedOrigins: ['*'], widget: { businessHours: { timezone: 'UTC', days: { 1: [{ open: '25:00', close: '26:00' }] } } } }, 'widget.businessHours'],
    [{ allowedOrigins: ['*'], widget: { emailInboxId: 'nope' } }, 'widget.emailInboxId'],
  ])('refuses %j on %s', (input, field) => {
    const r = parseWidgetSettings(input, 'wt_x');
    expect('errors' in r && Object.keys(r.errors)).toContain(field);
  });
});
