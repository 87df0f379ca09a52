import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get, post } from '../api/client';
import type { ChannelKindName, ConversationSummary, Inbox } from '../api/types';
import { errorText } from './error-text';

/** The channels where the business may write first (the server refuses the others with CHANNEL_NOT_SUPPORTED). */
const STARTABLE = ['email', 'api'];

/** "New conversation": an agent writes to a customer first (an email with a subject). */
export function NewConversation({ onStarted }: { onStarted(id: string): void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const inboxes = useQuery({ queryKey: ['inboxes'], queryFn: () => get<Inbox[]>('/inboxes'), enabled: open });
  const usable = (inboxes.data ?? []).filter((i) => STARTABLE.includes(i.channel) && i.active);
  const [f, setF] = useState({ inboxId: '', to: '', name: '', subject: '', text: '' });
  const inbox = usable.find((i) => i.id === f.inboxId) ?? usable[0];
  const start = useMutation({
    mutationFn: () =>
      post<{ conversation: ConversationSummary }>('/conversations', {
        inboxId: inbox!.id,
        contact: { identifier: f.to.trim(), ...(f.name.trim() ? { name: f.name.trim() } : {}) },
        ...(f.subject.trim() ? { subject: f.subject.trim() } : {}),
        text: f.text,
      }),
    onSuccess: (r) => {
      setOpen(false);
      setF({ inboxId: '', to: '', name: '', subject: '', text: '' });
      onStarted(r.conversation.id);
    },
  });
  if (!open)
    return (
      <button className="primary" data-testid="new-conversation" onClick={() => setOpen(true)}>
        {t('integrations.newConversation.open')}
      </button>
    );
  const email = inbox?.channel === 'email';
  return (
    <form className="card form-grid new-conversation" data-testid="new-conversation-form" onSubmit={(e) => (e.preventDefault(), inbox && start.mutate())}>
      <h3>{t('integrations.newConversation.title')}</h3>
      {inboxes.isSuccess && usable.length === 0 && <p className="muted">{t('integrations.newConversation.noInbox')}</p>}
      <label className="field">
        <span>{t('integrations.newConversation.inbox')}</span>
        <select name="new-inbox" value={inbox?.id ?? ''} onChange={(e) => setF({ ...f, inboxId: e.target.value })}>
          {usable.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name} ({t(`channel.${i.channel as ChannelKindName}`)})
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{email ? t('integrations.newConversation.toEmail') : t('integrations.newConversation.toId')}</span>
        <input name="new-to" type={email ? 'email' : 'text'} value={f.to} onChange={(e) => setF({ ...f, to: e.target.value })} required />
      </label>
      <label className="field">
        <span>{t('integrations.newConversation.name')}</span>
        <input name="new-name" value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
      </label>
      {email && (
        <label className="field">
          <span>{t('integrations.newConversation.subject')}</span>
          <input name="new-subject" value={f.subject} onChange={(e) => setF({ ...f, subject: e.target.value })} required />
        </label>
      )}
      <label className="field">
        <span>{t('integrations.newConversation.message')}</span>
        <textarea name="new-text" value={f.text} onChange={(e) => setF({ ...f, text: e.target.value })} required />
      </label>
      <div>
        <button className="primary" type="submit" disabled={!inbox || start.isPending}>
          {t('integrations.newConversation.send')}
        </button>{' '}
        <button type="button" className="link" onClick={() => setOpen(false)}>
          {t('common.close')}
        </button>
      </div>
      {start.error && (
        <div className="error small" role="alert">
          {errorText(t, start.error)}
        </div>
      )}
    </form>
  );
}
