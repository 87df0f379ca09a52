import type { CannedResponse } from '../api/types';

/** The `/word` being typed at the end of the draft, if any. */
export function cannedQuery(draft: string): string | null {
  const m = /(?:^|\s)\/([\w-]*)$/.exec(draft);
  return m ? m[1].toLowerCase() : null;
}

export function matchCanned(list: CannedResponse[], query: string): CannedResponse[] {
  return list.filter((c) => c.shortcut.toLowerCase().startsWith(query) || c.title.toLowerCase().includes(query)).slice(0, 8);
}

/** Replaces the trailing `/word` with the response text. */
export function applyCanned(draft: string, c: CannedResponse): string {
  return draft.replace(/(^|\s)\/[\w-]*$/, (_m, lead: string) => lead + c.text);
}
