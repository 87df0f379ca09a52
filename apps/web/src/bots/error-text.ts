import type { TFunction } from 'i18next';
import { ApiError } from '../api/client';
import type { Resources } from '../i18n/locales/en';

const KNOWN = ['OUTBOUND_ADDRESS_REFUSED', 'RATE_LIMITED', 'FORBIDDEN', 'VALIDATION_FAILED', 'CHANNEL_NOT_SUPPORTED', 'CONFLICT'] as const;

/** The server's error code in the reader's language; the server's English message only for codes we do not know. */
export function errorText(t: TFunction, err: unknown): string {
  if (err instanceof ApiError && (KNOWN as readonly string[]).includes(err.code)) {
    const fields = (err.details as { fields?: Record<string, string[]> } | undefined)?.fields;
    return t(`integrations.errors.${err.code as (typeof KNOWN)[number] & keyof Resources['integrations']['errors']}`, { fields: fields ? Object.keys(fields).join(', ') : '' });
  }
  return t('integrations.errors.other', { message: (err as Error)?.message ?? String(err) });
}
