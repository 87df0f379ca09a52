import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { del, get, patch } from '../../api/client';
import type { ConversationSummary, Inbox, Team } from '../../api/types';
import { CsatSettingsForm } from '../../qa/csat-settings';
import { webchatBody, webchatFromSettings, webchatReady, WebchatFields, type WebchatForm } from './webchat-form';
import './inbox-forms.css';

type Edit = { name: string; teamId: string; active: boolean; webchat: WebchatForm | null };

/**
 * Edit (name, team, active) and delete of one inbox. Deleting removes the inbox's conversations,
 * their messages and attachments with it (ON DELETE CASCADE): the confirmation says so, with the
 * count, and offers deactivating instead, which keeps the history and stops new traffic.
 */
export function InboxRowActions({ inbox, teams }: { inbox: Inbox; teams: Team[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Edit | null>(null);
  const [confirming, setConfirming] = useState(false);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['inboxes'] });
  const save = useMutation({
    mutationFn: (f: Edit) => patch(`/inboxes/${inbox.id}`, { name: f.name.trim(), teamId: f.teamId || null, active: f.active, ...(f.webchat ? webchatBody(f.webchat) : {}) }),
    onSuccess: () => (setEditing(null), refresh()),
  });
  const remove = useMutation({ mutationFn: () => del(`/inboxes/${inbox.id}`), onSuccess: () => (setConfirming(false), refresh()) });
  const deactivate = useMutation({ mutationFn: () => patch(`/inboxes/${inbox.id}`, { active: false }), onSuccess: () => (setConfirming(false), refresh()) });
  // Up to 200 counted: past that the exact number changes nothing in the decision.
  const count = useQuery({
    queryKey: ['inbox-conversation-count', inbox.id],
    queryFn: () => get<{ items: ConversationSummary[]; nextCursor: string | null }>(`/conversations?inboxId=${inbox.id}&limit=200`),
    enabled: confirming,
  });
  const error = save.error ?? remove.error ?? deactivate.error;

  return (
    <div className="small" data-testid="inbox-actions">
      {!editing && !confirming && (
        <>
          <button
            type="button"
            className="link"
            data-testid="inbox-edit"
            onClick={() =>
              setEditing({
                name: inbox.name,
                teamId: inbox.teamId ?? '',
                active: inbox.active,
                webchat: inbox.channel === 'webchat' ? webchatFromSettings(inbox.settings as Record<string, unknown>) : null,
              })
            }
          >
            {t('admin.edit')}
          </button>{' '}
          <button type="button" className="link" data-testid="inbox-delete" onClick={() => setConfirming(true)}>
            {t('admin.delete')}
          </button>
          {!inbox.active && <span className="pill">{t('inboxForms.inactive')}</span>}
        </>
      )}
      {editing && (
        <form className="form-grid" data-testid="inbox-edit-form" onSubmit={(e) => (e.preventDefault(), save.mutate(editing))}>
          <label className="field">
            <span>{t('admin.name')}</span>
            <input name="inbox-edit-name" value={editing.name} maxLength={120} required onChange={(e) => setEditing({ ...editing, name: e.target.value })} />
          </label>
          <label className="field">
            <span>{t('admin.team')}</span>
            <select name="inbox-edit-team" value={editing.teamId} onChange={(e) => setEditing({ ...editing, teamId: e.target.value })}>
              <option value="">{t('admin.none')}</option>
              {teams.map((tm) => (
                <option key={tm.id} value={tm.id}>
                  {tm.name}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={editing.active} onChange={(e) => setEditing({ ...editing, active: e.target.checked })} /> {t('inboxForms.activeHint')}
          </label>
          {editing.webchat && <WebchatFields value={editing.webchat} onChange={(w) => setEditing({ ...editing, webchat: w })} />}
          <div>
            <button className="primary small" type="submit" disabled={save.isPending || (editing.webchat !== null && !webchatReady(editing.webchat))} data-testid="inbox-edit-save">
              {t('admin.save')}
            </button>{' '}
            <button type="button" className="ghost small" onClick={() => setEditing(null)}>
              {t('admin.cancel')}
            </button>
          </div>
        </form>
      )}
      {/* Its own form: the survey settings are saved by their own route (PUT /inboxes/:id/csat). */}
      {editing && <CsatSettingsForm inboxId={inbox.id} />}
      {confirming && (
        <div className="inbox-danger" role="alertdialog" aria-labelledby={`del-${inbox.id}`} data-testid="inbox-delete-confirm">
          <p id={`del-${inbox.id}`}>
            <strong>{t('inboxForms.deleteTitle', { name: inbox.name })}</strong>
          </p>
          <p data-testid="inbox-delete-consequence">
            {count.data
              ? count.data.nextCursor
                ? t('inboxForms.deleteManyConversations', { n: count.data.items.length })
                : t('inboxForms.deleteConversations', { n: count.data.items.length })
              : t('inboxForms.deleteCounting')}
          </p>
          <p className="muted">{t('inboxForms.deleteAlternative')}</p>
          <button type="button" className="danger small" disabled={remove.isPending || count.isLoading} onClick={() => remove.mutate()} data-testid="inbox-delete-yes">
            {t('inboxForms.deleteForGood')}
          </button>{' '}
          {inbox.active && (
            <button type="button" className="ghost small" disabled={deactivate.isPending} onClick={() => deactivate.mutate()} data-testid="inbox-deactivate">
              {t('inboxForms.deactivate')}
            </button>
          )}{' '}
          <button type="button" className="ghost small" onClick={() => setConfirming(false)}>
            {t('admin.cancel')}
          </button>
        </div>
      )}
      {error && (
        <div className="error" role="alert">
          {t('admin.failed', { message: error.message })}
        </div>
      )}
    </div>
  );
}
