import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, get } from '../api/client';
import { LANGUAGES } from '../i18n/i18n';
import type { CsatScale, CsatSettings } from './qa-types';
import './csat.css';

interface Form {
  enabled: boolean;
  scale: CsatScale;
  delayMinutes: string;
  frequencyDays: string;
  questions: Record<string, string>;
}

const toForm = (s: CsatSettings): Form => ({
  enabled: s.enabled,
  scale: s.scale,
  delayMinutes: String(Math.round((s.delaySeconds / 60) * 100) / 100),
  frequencyDays: String(s.frequencyDays),
  questions: Object.fromEntries(LANGUAGES.map((l) => [l.code, s.questions[l.code] ?? ''])),
});

function SettingsForm({ inboxId, settings }: { inboxId: string; settings: CsatSettings }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Form>(() => toForm(settings));
  const save = useMutation({
    mutationFn: (f: Form) =>
      api<CsatSettings>('PUT', `/inboxes/${inboxId}/csat`, {
        enabled: f.enabled,
        scale: f.scale,
        delaySeconds: Math.round(Number(f.delayMinutes) * 60),
        frequencyDays: Number(f.frequencyDays),
        // Empty questions are left out: the survey then asks the default of that language.
        questions: Object.fromEntries(Object.entries(f.questions).filter(([, q]) => q.trim())),
      }),
    onSuccess: (saved) => queryClient.setQueryData(['csat-settings', inboxId], saved),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(form);
  };
  return (
    <form className="card form-grid csat-settings" data-testid="csat-settings" onSubmit={submit}>
      <h4>{t('csat.settings.title')}</h4>
      <label className="check">
        <input type="checkbox" name="csat-enabled" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} /> {t('csat.settings.enabled')}
      </label>
      <label className="field">
        <span>{t('csat.settings.scale')}</span>
        <select name="csat-scale" value={form.scale} onChange={(e) => setForm({ ...form, scale: e.target.value as CsatScale })}>
          <option value="stars">{t('csat.settings.stars')}</option>
          <option value="thumbs">{t('csat.settings.thumbs')}</option>
        </select>
      </label>
      <label className="field">
        <span>{t('csat.settings.delay')}</span>
        <input
          name="csat-delay"
          type="number"
          min={0}
          max={10080}
          step="any"
          required
          value={form.delayMinutes}
          onChange={(e) => setForm({ ...form, delayMinutes: e.target.value })}
        />
      </label>
      <label className="field">
        <span>{t('csat.settings.frequency')}</span>
        <input
          name="csat-frequency"
          type="number"
          min={0}
          max={365}
          step={1}
          required
          value={form.frequencyDays}
          onChange={(e) => setForm({ ...form, frequencyDays: e.target.value })}
        />
      </label>
      <div className="csat-questions">
        <span className="muted small">
          {t('csat.settings.questions')} — {t('csat.settings.questionHint')}
        </span>
        {LANGUAGES.map((l) => (
          <label key={l.code} className="field" lang={l.code}>
            <span>{l.name}</span>
            <input
              name={`csat-question-${l.code}`}
              maxLength={500}
              placeholder={settings.defaults[l.code] ?? ''}
              value={form.questions[l.code] ?? ''}
              onChange={(e) => setForm({ ...form, questions: { ...form.questions, [l.code]: e.target.value } })}
            />
          </label>
        ))}
      </div>
      <div>
        <button type="submit" className="primary small" disabled={save.isPending} data-testid="csat-save">
          {t('csat.settings.save')}
        </button>{' '}
        {save.isSuccess && !save.isPending && (
          <span className="ok small" role="status" data-testid="csat-saved">
            {t('csat.settings.saved')}
          </span>
        )}
        {save.error && (
          <span className="error small" role="alert">
            {t('csat.settings.failed', { message: save.error.message })}
          </span>
        )}
      </div>
    </form>
  );
}

/** The satisfaction survey of one inbox (admins): on/off, scale, delay, how often one customer is asked, the question per language. */
export function CsatSettingsForm({ inboxId }: { inboxId: string }) {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: ['csat-settings', inboxId], queryFn: () => get<CsatSettings>(`/inboxes/${inboxId}/csat`) });
  if (q.error) return <div className="error">{t('common.error', { message: q.error.message })}</div>;
  if (!q.data) return <div className="muted small">{t('common.loading')}</div>;
  return <SettingsForm key={inboxId} inboxId={inboxId} settings={q.data} />;
}
