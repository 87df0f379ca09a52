import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { patch } from '../api/client';
import type { ConversationSummary } from '../api/types';
import { useLive } from '../live/live';
import { SnoozeMenu } from './snooze-menu';
import { AssignPicker } from './assign-picker';

export function useConversationPatch(id: string) {
  const { store } = useLive();
  return useMutation({
    mutationFn: (body: { status?: string; priority?: number; labels?: string[]; snoozedUntil?: string }) => patch<ConversationSummary>(`/conversations/${id}`, body),
    onSuccess: (c) => store.upsert(c),
  });
}

export function ConversationActions({ c }: { c: ConversationSummary }) {
  const { t } = useTranslation();
  const mutation = useConversationPatch(c.id);
  const [snoozing, setSnoozing] = useState(false);
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
        {(c.status === 'pending' || c.status === 'snoozed') && (
          <button onClick={() => mutation.mutate({ status: 'open' })} data-testid="open">
            {t('workspace.open')}
          </button>
        )}
        {c.status !== 'pending' && <button onClick={() => mutation.mutate({ status: 'pending' })}>{t('actions.pending')}</button>}
        <button onClick={() => setSnoozing((s) => !s)} aria-expanded={snoozing} data-testid="snooze-toggle">
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
        <SnoozeMenu disabled={mutation.isPending} onSnooze={(snoozedUntil) => mutation.mutate({ status: 'snoozed', snoozedUntil }, { onSuccess: () => setSnoozing(false) })} />
      )}
      <AssignPicker c={c} />
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
