import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError, post } from '../api/client';
import type { ConversationSummary } from '../api/types';
import { isStaff, useDirectory, useMe, useTeams } from '../session/session';

/**
 * Coordinators and admins assign a conversation to anyone (routing's capacity check answers in
 * words) or transfer it to a team's queue, from the conversation itself. Agents take unassigned
 * conversations with "Assign to me" (the claim button next to escalation).
 */
export function AssignPicker({ c }: { c: ConversationSummary }) {
  const { t } = useTranslation();
  const me = useMe();
  const { users } = useDirectory();
  const teams = useTeams().data ?? [];
  const assign = useMutation({ mutationFn: (agentId: string) => post(`/conversations/${c.id}/assign`, { agentId }) });
  const transfer = useMutation({ mutationFn: (teamId: string) => post(`/conversations/${c.id}/transfer`, { teamId }) });
  if (!isStaff(me) || c.status === 'resolved') return null;
  const error = assign.error ?? transfer.error;
  const people = users.filter((u) => u.active && u.id !== c.assigneeId).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="action-row assign-picker">
      <select
        aria-label={t('workspace.assignTo')}
        data-testid="conversation-assign"
        value=""
        disabled={assign.isPending}
        onChange={(e) => e.target.value && assign.mutate(e.target.value)}
      >
        <option value="">{t('workspace.assignTo')}</option>
        {people.map((u) => (
          <option key={u.id} value={u.id}>
            {u.id === me.id ? t('workspace.me', { name: u.name }) : u.name}
          </option>
        ))}
      </select>
      <select
        aria-label={t('workspace.transferTo')}
        data-testid="conversation-transfer"
        value=""
        disabled={transfer.isPending}
        onChange={(e) => e.target.value && transfer.mutate(e.target.value)}
      >
        <option value="">{t('workspace.transferTo')}</option>
        {teams
          .filter((x) => x.id !== c.teamId)
          .map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
      </select>
      {error && <span className="error small">{t('workspace.assignFailed', { message: error instanceof ApiError ? error.message : String(error) })}</span>}
    </div>
  );
}
