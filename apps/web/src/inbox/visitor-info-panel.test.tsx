import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import type { VisitorInfo } from '../api/types';
import { VisitorInfoPanel, formatOffset, visitorLocalTime } from './visitor-info-panel';
import { useContactLabel, useConversationContactLabel } from './contact-label';
import { aConversation } from '../testing/factories';

const visitor = (o: Partial<VisitorInfo> = {}): VisitorInfo => ({
  browser: 'Firefox',
  browserVersion: '133.0',
  os: 'Linux',
  osVersion: null,
  device: 'desktop',
  pageUrl: 'https://shop.example.com/cart',
  pageTitle: 'Your cart',
  referrer: 'https://search.example/?q=x',
  timeZone: 'Asia/Tokyo',
  utcOffsetMinutes: 540,
  seenAt: '2026-12-03T08:00:00.000Z',
  ...o,
});
const NOON_UTC = Date.parse('2026-12-03T12:00:00.000Z');

describe('visitorLocalTime', () => {
  it('tells the time in the visitor’s zone, else from the offset, else nothing', () => {
    expect(visitorLocalTime('en-GB', { timeZone: 'Asia/Tokyo', utcOffsetMinutes: null }, NOON_UTC)).toBe('21:00');
    expect(visitorLocalTime('en-GB', { timeZone: null, utcOffsetMinutes: -330 }, NOON_UTC)).toBe('06:30');
    expect(visitorLocalTime('en-GB', { timeZone: 'Nowhere/Land', utcOffsetMinutes: 60 }, NOON_UTC)).toBe('13:00');
    expect(visitorLocalTime('en-GB', { timeZone: null, utcOffsetMinutes: null }, NOON_UTC)).toBeNull();
  });
  it.each([
    [120, '+02:00'],
    [-330, '-05:30'],
    [0, '+00:00'],
  ])('offset %d → %s', (m, want) => expect(formatOffset(m)).toBe(want));
});

describe('VisitorInfoPanel', () => {
  beforeEach(async () => {
    await i18n.changeLanguage('en');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(NOON_UTC);
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('shows browser, system, page and referrer links, and a local clock that moves on', () => {
    render(<VisitorInfoPanel visitor={visitor()} />);
    expect(screen.getByTestId('visitor-browser').textContent).toBe('Firefox 133');
    expect(screen.getByTestId('visitor-os').textContent).toBe('Linux');
    const page = screen.getByTestId('visitor-page') as HTMLAnchorElement;
    expect(page.href).toBe('https://shop.example.com/cart');
    expect(page.textContent).toBe('Your cart');
    expect(page.rel).toBe('noopener noreferrer');
    expect((screen.getByTestId('visitor-referrer') as HTMLAnchorElement).textContent).toBe('search.example');
    const clock = () => screen.getByTestId('visitor-local-time').textContent ?? '';
    expect(clock()).toContain('Asia/Tokyo');
    const before = clock();
    act(() => {
      vi.advanceTimersByTime(60 * 60_000);
    });
    expect(clock()).not.toBe(before);
  });

  it('never renders a link that is not http(s)', () => {
    render(<VisitorInfoPanel visitor={visitor({ pageUrl: 'javascript:alert(1)', referrer: null })} />);
    expect(screen.queryByTestId('visitor-page')).toBeNull();
    expect(screen.queryByTestId('visitor-referrer')).toBeNull();
  });

  it('renders nothing for a contact that is no web chat visitor', () => {
    const { container } = render(<VisitorInfoPanel visitor={null} />);
    expect(container.textContent).toBe('');
  });

  it('labels its rows in the reader’s language', async () => {
    await act(async () => {
      await i18n.changeLanguage('uk');
    });
    render(<VisitorInfoPanel visitor={visitor()} />);
    expect(screen.getByText('Браузер')).toBeTruthy();
    expect(screen.getByText('Місцевий час')).toBeTruthy();
  });
});

describe('contact labels', () => {
  beforeEach(async () => {
    await i18n.changeLanguage('en');
  });

  it('names a web chat visitor without a name "Visitor #N", keeps real names, and leaves other channels unknown', () => {
    const { result } = renderHook(() => useConversationContactLabel());
    expect(result.current(aConversation({ channel: 'webchat', contactName: null, contactNumber: 1234 }))).toBe('Visitor #1234');
    expect(result.current(aConversation({ channel: 'webchat', contactName: 'Daria', contactNumber: 1234 }))).toBe('Daria');
    expect(result.current(aConversation({ channel: 'email', contactName: null, contactNumber: 1234 }))).toBe('Unknown contact');
  });

  it('says it in every language', async () => {
    const want: Record<string, string> = { fr: 'Visiteur n° 12', it: 'Visitatore n. 12', es: 'Visitante n.º 12', uk: 'Відвідувач №12' };
    for (const [lng, text] of Object.entries(want)) {
      await i18n.changeLanguage(lng);
      const { result } = renderHook(() => useContactLabel());
      expect(result.current({ name: null, number: 12, webchat: true })).toBe(text);
    }
  });
});
