import { useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { del, get, patch, post } from '../api/client';
import type { CannedResponse, Team } from '../api/types';
import { CANNED_VARIABLES, fillVariables } from '../lib/canned';

type Draft = { shortcut: string; title: string; text: string; teamId: string };
const EMPTY: Draft = { shortcut: '', title: '', text: '', teamId: '' };
const VARIABLES = CANNED_VARIABLES.map((v) => `{{${v}}}`);

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/** The variables a text uses that the composer cannot fill (a typo), for a warning beside the field. */
function UnknownVariables({ text }: { text: string }) {
  const { t } = useTranslation();
  const { unknown } = fillVariables(text, {});
  if (!unknown.length) return null;
  return (
    <div className="error small" role="alert" data-testid="canned-admin-unknown">
      {unknown.map((v) => t('cannedVars.unknown', { name: `{{${v}}}`, known: VARIABLES.join(', ') })).join(' ')}
    </div>
  );
}

function DraftFields({ draft, onChange, teams }: { draft: Draft; onChange(d: Draft): void; teams: Team[] }) {
  const { t } = useTranslation();
  return (
    <>
      <Field label={t('admin.shortcut')}>
        <input name="canned-shortcut" value={draft.shortcut} pattern="[A-Za-z0-9_-]+" maxLength={40} onChange={(e) => onChange({ ...draft, shortcut: e.target.value })} required />
      </Field>
      <Field label={t('admin.cannedTitle')}>
        <input name="canned-title" value={draft.title} maxLength={120} onChange={(e) => onChange({ ...draft, title: e.target.value })} required />
      </Field>
      <Field label={t('admin.team')}>
        <select name="canned-team" value={draft.teamId} onChange={(e) => onChange({ ...draft, teamId: e.target.value })}>
          <option value="">{t('cannedVars.everyone')}</option>
          {teams.map((tm) => (
            <option key={tm.id} value={tm.id}>
              {tm.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('admin.cannedText')}>
        <textarea name="canned-text" value={draft.text} maxLength={10_000} onChange={(e) => onChange({ ...draft, text: e.target.value })} required />
      </Field>
      <UnknownVariables text={draft.text} />
    </>
  );
}

/** Canned responses: create, edit in place, delete; shared with everyone or with one team. */
export function CannedAdmin() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['canned'], queryFn: () => get<CannedResponse[]>('/canned-responses') });
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => get<Team[]>('/teams') });
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [editing, setEditing] = useState<{ id: string; draft: Draft } | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['canned'] });
  const body = (d: Draft) => ({ shortcut: d.shortcut, title: d.title, text: d.text, teamId: d.teamId || null });
  const create = useMutation({
    mutationFn: (d: Draft) => post('/canned-responses', body(d)),
    onSuccess: () => (setDraft(EMPTY), refresh()),
  });
  const update = useMutation({
    mutationFn: (e: { id: string; draft: Draft }) => patch(`/canned-responses/${e.id}`, body(e.draft)),
    onSuccess: () => (setEditing(null), refresh()),
  });
  const remove = useMutation({ mutationFn: (id: string) => del(`/canned-responses/${id}`), onSuccess: refresh });
  const teamName = (id: string | null | undefined) => (id ? (teams.data?.find((x) => x.id === id)?.name ?? '—') : t('cannedVars.everyone'));
  const error = create.error ?? update.error ?? remove.error;

  return (
    <div className="admin-section">
      <form className="card form-grid" data-testid="canned-form" onSubmit={(e) => (e.preventDefault(), create.mutate(draft))}>
        <h3>{t('admin.create')}</h3>
        <DraftFields draft={draft} onChange={setDraft} teams={teams.data ?? []} />
        <p className="small muted">{t('cannedVars.hint', { list: VARIABLES.join(', ') })}</p>
        <button className="primary" type="submit" disabled={create.isPending}>
          {t('admin.create')}
        </button>
      </form>
      {error && (
        <div className="error small" role="alert">
          {t('admin.failed', { message: error.message })}
        </div>
      )}
      <table className="table" data-testid="canned-table">
        <thead>
          <tr>
            <th>{t('admin.shortcut')}</th>
            <th>{t('admin.cannedTitle')}</th>
            <th>{t('admin.team')}</th>
            <th>{t('admin.cannedText')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((c) =>
            editing?.id === c.id ? (
              <tr key={c.id} data-testid="canned-row">
                <td colSpan={5}>
                  <form className="form-grid" onSubmit={(e) => (e.preventDefault(), update.mutate(editing))}>
                    <DraftFields draft={editing.draft} onChange={(d) => setEditing({ id: c.id, draft: d })} teams={teams.data ?? []} />
                    <div className="row-actions">
                      <button className="primary" type="submit" disabled={update.isPending} data-testid="canned-save">
                        {t('admin.save')}
                      </button>
                      <button type="button" className="ghost" onClick={() => setEditing(null)}>
                        {t('admin.cancel')}
                      </button>
                    </div>
                  </form>
                </td>
              </tr>
            ) : (
              <tr key={c.id} data-testid="canned-row">
                <td>
                  <code>/{c.shortcut}</code>
                </td>
                <td>{c.title}</td>
                <td className="small">{teamName(c.teamId)}</td>
                <td className="small pre-wrap">{c.text}</td>
                <td className="nowrap">
                  <button
                    className="link"
                    data-testid="canned-edit"
                    onClick={() => setEditing({ id: c.id, draft: { shortcut: c.shortcut, title: c.title, text: c.text, teamId: c.teamId ?? '' } })}
                  >
                    {t('admin.edit')}
                  </button>{' '}
                  <button className="link" onClick={() => window.confirm(t('cannedVars.confirmDelete', { shortcut: c.shortcut })) && remove.mutate(c.id)}>
                    {t('admin.delete')}
                  </button>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      {list.data?.length === 0 && <p className="muted">{t('admin.empty')}</p>}
    </div>
  );
}
