import { useTranslation } from 'react-i18next';
import type { ConversationSummary } from '../api/types';

export interface LabelledContact {
  name: string | null;
  number?: number | null;
  /** A web chat visitor (only those are called "Visitor #N"). */
  webchat: boolean;
}

/**
 * A contact's name for lists, headers and the panel: the name it has, else for a web chat visitor
 * "Visitor #N" from the contact's stable number (the same everywhere), else "Unknown contact".
 */
export function useContactLabel(): (c: LabelledContact) => string {
  const { t } = useTranslation();
  return (c) => c.name || (c.webchat && typeof c.number === 'number' ? t('visitor.name', { n: c.number }) : t('list.unknownContact'));
}

/** The same for a conversation row or header. */
export function useConversationContactLabel(): (c: Pick<ConversationSummary, 'contactName' | 'contactNumber' | 'channel'>) => string {
  const label = useContactLabel();
  return (c) => label({ name: c.contactName, number: c.contactNumber, webchat: c.channel === 'webchat' });
}
