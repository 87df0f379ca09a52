import { classifyGraphError } from './meta-graph.client';
import { serviceWindow } from './meta-window.util';

describe('classifyGraphError', () => {
  it.each([
    [400, { error: { code: 131047, message: '(#131047) Re-engagement message' } }, 'window_closed'],
    [400, { error: { code: 10, error_subcode: 2018278, message: '(#10) This message is sent outside of allowed window.' } }, 'window_closed'],
    [429, { error: { code: 130429, message: 'Rate limit hit' } }, 'rate_limited'],
    [400, { error: { code: 131056, message: 'Pair rate limit hit' } }, 'rate_limited'],
    [400, { error: { code: 4, message: 'Application request limit reached' } }, 'rate_limited'],
    [401, { error: { code: 190, message: 'Invalid OAuth access token' } }, 'auth'],
    [500, { error: { code: 1, message: 'An unknown error occurred' } }, 'server'],
    [503, null, 'server'],
    [400, { error: { code: 100, message: 'Invalid parameter' } }, 'rejected'],
  ])('HTTP %d %j is %s', (status, body, kind) => {
    expect(classifyGraphError(status, body).kind).toBe(kind);
  });
});

describe('serviceWindow', () => {
  const at = new Date('2026-12-01T10:00:00Z');
  const plus = (h: number) => new Date(at.getTime() + h * 3600_000);
  it.each([
    ['whatsapp', 23, 'response'],
    ['whatsapp', 25, 'closed'],
    ['messenger', 23, 'response'],
    ['messenger', 25, 'human_agent'],
    ['instagram', 24 * 7 - 1, 'human_agent'],
    ['instagram', 24 * 7 + 1, 'closed'],
  ] as const)('%s, %d h after the last customer message: %s', (kind, hours, mode) => {
    expect(serviceWindow(kind, at, plus(hours)).mode).toBe(mode);
  });
  it('is closed when the customer never wrote', () => {
    expect(serviceWindow('whatsapp', null, at)).toEqual({ mode: 'closed', open: false, until: null, humanAgentUntil: null });
  });
});
