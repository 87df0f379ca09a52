import { FILTER_KEYS } from './conversation-filters';

/** A named list setup: tab, status, filters and sort, as the URL query that restores it. */
export interface SavedView {
  name: string;
  query: string;
}

const KEY = 'inbox.savedViews';
/** Only what shapes the list goes into a view (never the open conversation or unrelated parameters). */
const VIEW_KEYS = ['tab', 'status', 'sort', ...FILTER_KEYS];

export function viewQuery(params: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const k of VIEW_KEYS) {
    const v = params.get(k);
    if (v) out.set(k, v);
  }
  return out.toString();
}

export function loadViews(storage: Pick<Storage, 'getItem'>): SavedView[] {
  try {
    const raw: unknown = JSON.parse(storage.getItem(KEY) ?? '[]');
    return Array.isArray(raw) ? raw.filter((v): v is SavedView => typeof v?.name === 'string' && typeof v?.query === 'string') : [];
  } catch {
    return [];
  }
}

/** Saving under an existing name replaces that view (case-insensitive); the list stays sorted by name. */
export function saveView(storage: Pick<Storage, 'getItem' | 'setItem'>, name: string, params: URLSearchParams): SavedView[] {
  const clean = name.trim().slice(0, 60);
  if (!clean) return loadViews(storage);
  const views = loadViews(storage).filter((v) => v.name.toLowerCase() !== clean.toLowerCase());
  views.push({ name: clean, query: viewQuery(params) });
  views.sort((a, b) => a.name.localeCompare(b.name));
  storage.setItem(KEY, JSON.stringify(views));
  return views;
}

export function deleteView(storage: Pick<Storage, 'getItem' | 'setItem'>, name: string): SavedView[] {
  const views = loadViews(storage).filter((v) => v.name !== name);
  storage.setItem(KEY, JSON.stringify(views));
  return views;
}
