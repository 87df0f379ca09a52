import { describe, expect, it } from 'vitest';
import { deleteView, loadViews, saveView, viewQuery } from './saved-views';

/** A plain in-memory Storage (the browser's shape), fresh per test. */
function memory(): Pick<Storage, 'getItem' | 'setItem'> {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v) };
}

describe('saved views', () => {
  it('keeps only what shapes the list', () => {
    expect(viewQuery(new URLSearchParams('tab=all&status=pending&channel=email&sort=priority&utm=x&priority=3'))).toBe(
      'tab=all&status=pending&sort=priority&channel=email&priority=3',
    );
  });

  it('saves, replaces by name (any case), sorts by name and deletes', () => {
    const s = memory();
    saveView(s, 'VIP', new URLSearchParams('label=vip'));
    saveView(s, 'Billing', new URLSearchParams('tab=team'));
    expect(saveView(s, 'vip ', new URLSearchParams('label=vip&priority=3'))).toEqual([
      { name: 'Billing', query: 'tab=team' },
      { name: 'vip', query: 'label=vip&priority=3' },
    ]);
    expect(deleteView(s, 'Billing').map((v) => v.name)).toEqual(['vip']);
    expect(loadViews(s).map((v) => v.name)).toEqual(['vip']);
  });

  it('ignores a blank name and survives a corrupt store', () => {
    const s = memory();
    expect(saveView(s, '   ', new URLSearchParams('tab=all'))).toEqual([]);
    s.setItem('inbox.savedViews', '{not json');
    expect(loadViews(s)).toEqual([]);
    s.setItem('inbox.savedViews', JSON.stringify([{ name: 'ok', query: '' }, { name: 3 }]));
    expect(loadViews(s)).toEqual([{ name: 'ok', query: '' }]);
  });
});
