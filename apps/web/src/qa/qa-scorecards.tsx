import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get, patch, post } from '../api/client';
import type { Team } from '../api/types';
import { CRITERION_SCALES, criterionKeys, type Criterion, type CriterionScale, type Scorecard } from './qa-types';

interface Row {
  /** Set for a criterion of the scorecard being edited: its key stays. */
  key?: string;
  label: string;
  description: string;
  weight: string;
  scale: CriterionScale;
}

const emptyRow = (): Row => ({ label: '', description: '', weight: '1', scale: '1-5' });

/** Scorecards: a new one from name, sample size and criteria; the list with archiving. Editing criteria makes a new version server-side. */
export function QaScorecards() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['qa-scorecards'], queryFn: () => get<Scorecard[]>('/qa/scorecards') });
  const [name, setName] = useState('');
  const [sampleSize, setSampleSize] = useState('2');
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => get<Team[]>('/teams') });
  const teamName = new Map((teams.data ?? []).map((tm) => [tm.id, tm.name]));
  /** The teams whose agents are sampled; none = every team. */
  const [teamIds, setTeamIds] = useState<string[]>([]);
  const [rows, setRows] = useState<Row[]>([emptyRow()]);
  const [editing, setEditing] = useState<Scorecard | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['qa-scorecards'] });
  const reset = () => {
    setEditing(null);
    setName('');
    setSampleSize('2');
    setTeamIds([]);
    setRows([emptyRow()]);
  };
  const edit = (s: Scorecard) => {
    setEditing(s);
    setName(s.name);
    setSampleSize(String(s.sampleSize));
    setTeamIds(s.teamIds);
    setRows(s.criteria.map((c) => ({ key: c.key, label: c.label, description: c.description ?? '', weight: String(c.weight), scale: c.scale })));
  };
  const save = useMutation({
    mutationFn: () => {
      const keys = criterionKeys(
        rows.map((r) => r.label),
        rows.map((r) => r.key),
      );
      const criteria: Criterion[] = rows.map((r, i) => ({
        key: keys[i]!,
        label: r.label.trim(),
        description: r.description.trim() || undefined,
        weight: Number(r.weight),
        scale: r.scale,
      }));
      const body = { name: name.trim(), teamIds, sampleSize: Number(sampleSize), criteria };
      return editing ? patch<Scorecard>(`/qa/scorecards/${editing.id}`, body) : post<Scorecard>('/qa/scorecards', body);
    },
    onSuccess: () => {
      reset();
      refresh();
    },
  });
  const archive = useMutation({ mutationFn: (s: Scorecard) => patch(`/qa/scorecards/${s.id}`, { archived: !s.archived }), onSuccess: refresh });
  const setRow = (i: number, p: Partial<Row>) => setRows((cur) => cur.map((r, j) => (j === i ? { ...r, ...p } : r)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };

  return (
    <div className="qa-scorecards">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('qa.scorecards.name')}</th>
            <th scope="col">{t('qa.scorecards.criteria')}</th>
            <th scope="col">{t('qa.scorecards.sampleSize')}</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((s) => (
            <tr key={s.id} data-testid="qa-scorecard-row">
              <td>
                {s.name} <span className="muted small">{t('qa.review.version', { version: s.version })}</span>
                {s.archived && <span className="pill">{t('qa.scorecards.archived')}</span>}
                <div className="muted small" data-testid="qa-scorecard-teams">
                  {s.teamIds.length ? s.teamIds.map((id) => teamName.get(id) ?? '…').join(', ') : t('qa.scorecards.everyTeam')}
                </div>
              </td>
              <td>
                {s.criteria.map((c) => (
                  <div key={c.key} className="small">
                    {c.label}{' '}
                    <span className="muted">
                      ({t(`qa.review.scale.${c.scale}`)} · {t('qa.review.weight', { weight: c.weight })})
                    </span>
                  </div>
                ))}
              </td>
              <td>{s.sampleSize}</td>
              <td>
                <button type="button" className="link" data-testid="qa-scorecard-edit" onClick={() => edit(s)}>
                  {t('qa.scorecards.edit')}
                </button>{' '}
                <button type="button" className="link" disabled={archive.isPending} onClick={() => archive.mutate(s)}>
                  {s.archived ? t('qa.scorecards.restore') : t('qa.scorecards.archive')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.length === 0 && <p className="muted">{t('qa.scorecards.none')}</p>}
      <form className="card form-grid" onSubmit={submit} data-testid="qa-scorecard-form">
        <h3>{editing ? t('qa.scorecards.editTitle', { name: editing.name }) : t('qa.scorecards.create')}</h3>
        {editing && <p className="muted small qa-full">{t('qa.scorecards.versionHint')}</p>}
        <label className="field">
          <span>{t('qa.scorecards.name')}</span>
          <input name="scorecard-name" value={name} maxLength={200} required onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('qa.scorecards.sampleSize')}</span>
          <input name="scorecard-sample" type="number" min={0} max={50} value={sampleSize} onChange={(e) => setSampleSize(e.target.value)} />
        </label>
        {(teams.data?.length ?? 0) > 0 && (
          <fieldset className="qa-full" data-testid="qa-scorecard-team-picker">
            <legend>{t('qa.scorecards.teams')}</legend>
            {teams.data!.map((tm) => (
              <label key={tm.id} className="checkbox">
                <input
                  type="checkbox"
                  name={`scorecard-team-${tm.id}`}
                  checked={teamIds.includes(tm.id)}
                  onChange={(e) => setTeamIds((cur) => (e.target.checked ? [...cur, tm.id] : cur.filter((x) => x !== tm.id)))}
                />{' '}
                {tm.name}
              </label>
            ))}
            <p className="muted small">{t('qa.scorecards.teamsHint')}</p>
          </fieldset>
        )}
        <h4>{t('qa.scorecards.criteria')}</h4>
        {rows.map((r, i) => (
          <fieldset key={i} className="qa-criterion-edit">
            <label className="field">
              <span>{t('qa.scorecards.label')}</span>
              <input name={`criterion-label-${i}`} value={r.label} maxLength={200} required onChange={(e) => setRow(i, { label: e.target.value })} />
            </label>
            <label className="field">
              <span>{t('qa.scorecards.description')}</span>
              <input name={`criterion-description-${i}`} value={r.description} maxLength={1000} onChange={(e) => setRow(i, { description: e.target.value })} />
            </label>
            <label className="field">
              <span>{t('qa.scorecards.weight')}</span>
              <input
                name={`criterion-weight-${i}`}
                type="number"
                min={0.1}
                max={100}
                step={0.1}
                value={r.weight}
                required
                onChange={(e) => setRow(i, { weight: e.target.value })}
              />
            </label>
            <label className="field">
              <span>{t('qa.scorecards.scale')}</span>
              <select name={`criterion-scale-${i}`} value={r.scale} onChange={(e) => setRow(i, { scale: e.target.value as CriterionScale })}>
                {CRITERION_SCALES.map((s) => (
                  <option key={s} value={s}>
                    {t(`qa.review.scale.${s}`)}
                  </option>
                ))}
              </select>
            </label>
            {rows.length > 1 && (
              <button type="button" className="link" onClick={() => setRows((cur) => cur.filter((_, j) => j !== i))}>
                {t('qa.scorecards.remove')}
              </button>
            )}
          </fieldset>
        ))}
        <div>
          <button type="button" className="ghost" onClick={() => setRows((cur) => [...cur, emptyRow()])}>
            {t('qa.scorecards.addCriterion')}
          </button>{' '}
          <button type="submit" className="primary" disabled={save.isPending}>
            {t('qa.scorecards.save')}
          </button>{' '}
          {editing && (
            <button type="button" className="ghost" onClick={reset}>
              {t('qa.scorecards.cancel')}
            </button>
          )}
        </div>
        {save.error && (
          <div className="error" role="alert">
            {t('common.error', { message: save.error.message })}
          </div>
        )}
        {archive.error && (
          <div className="error" role="alert">
            {t('common.error', { message: archive.error.message })}
          </div>
        )}
      </form>
    </div>
  );
}
