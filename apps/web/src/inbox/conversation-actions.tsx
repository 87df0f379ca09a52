import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { patch } from '../api/client';
import type { ConversationSummary } from '../api/types';
import { useLive } from '../live/live';

export function useConversationPatch(id: string) {
  const { store } = useLive();
  return useMutation({
    mutationFn: (body: { status?: string; priority?: number; labels?: string[]; snoozedUntil?: string }) => patch<ConversationSummary>(`/conversations/${id}`, body),
    onSuccess: (c) => store.upsert(c),
  });
}

function defaultSnooze(): string {
  const d = new Date(Date.now() + 24 * 3600 * 1000);
  d.setHours(9, 0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function ConversationActions({ c }: { c: ConversationSummary }) {
  const { t } = useTranslation();
  const mutation = useConversationPatch(c.id);
  const [snoozing, setSnoozing] = useState(false);
  const [until, setUntil] = useState(defaultSnooze);
  const [label, setLabel] = useState('');

  return (
    <div className="actions">
      <div className="action-row">
        {c.status === 'resolved' ? (
          <button onClick={() => mutation.mutate({ status: 'open' })} data-testid="reopen">
            {t('actions.reopen')}
          </button>
        ) : (
          <button className="primary" onClick={() => mutation.mutate({ status: 'resolved' })} data-testid="resolve">
            ✓ {t('actions.resolve')}
          </button>
        )}
        {c.status !== 'pending' && <button onClick={() => mutation.mutate({ status: 'pending' })}>{t('actions.pending')}</button>}
        <button onClick={() => setSnoozing((s) => !s)} aria-expanded={snoozing}>
          {t('actions.snooze')}
        </button>
        <select aria-label={t('priority.label')} value={c.priority} onChange={(e) => mutation.mutate({ priority: Number(e.target.value) })}>
          {[0, 1, 2, 3].map((p) => (
            <option key={p} value={p}>
              {t('priority.label')}: {t(`priority.p${p}` as 'priority.p0')}
            </option>
          ))}
        </select>
      </div>
      {snoozing && (
        <form
          className="action-row"
          onSubmit={(e) => {
            e.preventDefault();
            mutation.mutate({ status: 'snoozed', snoozedUntil: new Date(until).toISOString() }, { onSuccess: () => setSnoozing(false) });
          }}
        >
          <label>
            {t('actions.snoozeUntil')} <input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} required />
          </label>
          <button type="submit">{t('actions.apply')}</button>
        </form>
      )}
      <div className="action-row labels">
        <span className="muted small">{t('actions.labels')}:</span>
        {c.labels.map((l) => (
          <span key={l} className="label-chip">
            {l}
            <button className="link" aria-label={t('actions.removeLabel', { label: l })} onClick={() => mutation.mutate({ labels: c.labels.filter((x) => x !== l) })}>
              ×
            </button>
          </span>
        ))}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (label.trim()) mutation.mutate({ labels: [...c.labels, label.trim()] }, { onSuccess: () => setLabel('') });
          }}
        >
          <input className="small-input" placeholder={t('actions.addLabel')} aria-label={t('actions.addLabel')} value={label} onChange={(e) => setLabel(e.target.value)} />
        </form>
      </div>
      {mutation.error && <div className="error small">{t('actions.failed', { message: mutation.error.message })}</div>}
    </div>
  );
}
