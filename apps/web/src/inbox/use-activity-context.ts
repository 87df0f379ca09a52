import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format';
import { useDirectory, useTeams } from '../session/session';
import type { ActivityContext } from './activity-line';

/** Names and the reader's language for activityLine. */
export function useActivityContext(): ActivityContext {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const { byId } = useDirectory();
  const teams = useTeams().data;
  const lng = i18n.resolvedLanguage ?? i18n.language ?? 'en';
  return useMemo(
    () => ({
      t: (key, params) => (t as unknown as (k: string, p?: Record<string, unknown>) => string)(key, params),
      lng,
      agentName: (id) => (id ? (byId.get(id)?.name ?? null) : null),
      teamName: (id) => (id ? (teams?.find((x) => x.id === id)?.name ?? null) : null),
      dateTime: fmt.dateTime,
    }),
    // fmt changes identity every render; its output depends only on the language.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [t, lng, byId, teams],
  );
}
