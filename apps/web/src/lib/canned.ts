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

/** The variables a canned response may use; the composer fills them in before sending. */
export const CANNED_VARIABLES = ['contact.name', 'contact.email', 'agent.name', 'conversation.id', 'conversation.subject'] as const;
export type CannedVariable = (typeof CANNED_VARIABLES)[number];
export type CannedValues = Partial<Record<CannedVariable, string | null | undefined>>;

export interface FilledText {
  /** The text with every known variable that has a value replaced; the others are left as written. */
  text: string;
  /** Whether the draft holds any `{{…}}` at all (the composer then shows a preview). */
  hasVariables: boolean;
  /** Names that are not variables (a typo: `{{contact.nmae}}`), in order of first use. */
  unknown: string[];
  /** Known variables with no value for this conversation (a contact without an email address). */
  missing: CannedVariable[];
}

const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function fillVariables(draft: string, values: CannedValues): FilledText {
  const unknown: string[] = [];
  const missing: CannedVariable[] = [];
  let hasVariables = false;
  const text = draft.replace(VARIABLE, (whole, name: string) => {
    hasVariables = true;
    if (!(CANNED_VARIABLES as readonly string[]).includes(name)) {
      if (!unknown.includes(name)) unknown.push(name);
      return whole;
    }
    const value = values[name as CannedVariable]?.trim();
    if (!value) {
      if (!missing.includes(name as CannedVariable)) missing.push(name as CannedVariable);
      return whole;
    }
    return value;
  });
  return { text, hasVariables, unknown, missing };
}
