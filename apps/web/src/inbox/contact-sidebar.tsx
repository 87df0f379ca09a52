import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { get, patch, post, qs } from '../api/client';
import type { Contact, ConversationSummary } from '../api/types';
import { useFormat } from '../i18n/format';
import { useMe } from '../session/session';
import { useContactLabel } from './contact-label';
import { VisitorInfoPanel } from './visitor-info-panel';

type ContactDetail = Contact & { conversations: ConversationSummary[] };

export function ContactSidebar({ contactId, currentId }: { contactId: string; currentId: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  // Merging rewrites a customer's history: coordinators and admins only (the server enforces it too).
  const canMerge = useMe().role !== 'agent';
  const contactLabel = useContactLabel();
  const contact = useQuery({ queryKey: ['contact', contactId], queryFn: () => get<ContactDetail>(`/contacts/${contactId}`) });
  const [notes, setNotes] = useState('');
  const [label, setLabel] = useState('');
  const [search, setSearch] = useState('');
  useEffect(() => {
    setNotes(contact.data?.notes ?? '');
  }, [contact.data?.notes]);

  const update = useMutation({
    mutationFn: (body: Partial<Pick<Contact, 'notes' | 'labels'>>) => patch<Contact>(`/contacts/${contactId}`, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['contact', contactId] }),
  });
  const candidates = useQuery({
    queryKey: ['contacts', search],
    queryFn: () => get<{ items: Contact[] }>(`/contacts${qs({ search, limit: 8 })}`),
    enabled: canMerge && search.trim().length >= 2,
  });
  const merge = useMutation({
    mutationFn: (sourceId: string) => post<Contact>(`/contacts/${contactId}/merge`, { sourceId, confirm: true }),
    onSuccess: () => {
      setSearch('');
      void queryClient.invalidateQueries({ queryKey: ['contact', contactId] });
    },
  });

  const c = contact.data;
  if (!c) return <aside className="sidebar muted pad">{t('common.loading')}</aside>;
  return (
    <aside className="sidebar" data-testid="contact-sidebar">
      <h3>{t('sidebar.contact')}</h3>
      <div className="contact-name" data-testid="contact-name">
        {contactLabel({ name: c.name, number: c.number, webchat: Boolean(c.visitor) || c.identities.some((i) => i.channel === 'webchat') })}
      </div>
      <dl className="kv small">
        {c.email && (
          <>
            <dt>{t('sidebar.email')}</dt>
            <dd>{c.email}</dd>
          </>
        )}
        {c.phone && (
          <>
            <dt>{t('sidebar.phone')}</dt>
            <dd>{c.phone}</dd>
          </>
        )}
        {c.language && (
          <>
            <dt>{t('sidebar.language')}</dt>
            <dd>{c.language}</dd>
          </>
        )}
      </dl>
      <VisitorInfoPanel visitor={c.visitor} />
      <h4>{t('sidebar.identities')}</h4>
      <ul className="plain small">
        {c.identities.map((i) => (
          <li key={i.id}>
            <span className={`chan chan-${i.channel}`}>{t(`channel.${i.channel}` as 'channel.api')}</span> {i.address}
          </li>
        ))}
      </ul>
      <h4>{t('sidebar.earlier')}</h4>
      <ul className="plain small">
        {c.conversations.map((cv) => (
          <li key={cv.id} className={cv.id === currentId ? 'current' : ''}>
            <Link to={`/inbox/${cv.id}`}>
              <span className={`chan chan-${cv.channel}`}>{t(`channel.${cv.channel}`)}</span> {cv.subject ?? t(`status.${cv.status}`)} · {fmt.relative(cv.lastMessageAt)}
            </Link>
          </li>
        ))}
      </ul>
      <h4>{t('sidebar.labels')}</h4>
      <div className="labels">
        {c.labels.length === 0 && <span className="muted small">{t('sidebar.none')}</span>}
        {c.labels.map((l) => (
          <span key={l} className="label-chip">
            {l}
            <button className="link" aria-label={t('actions.removeLabel', { label: l })} onClick={() => update.mutate({ labels: c.labels.filter((x) => x !== l) })}>
              ×
            </button>
          </span>
        ))}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (label.trim()) update.mutate({ labels: [...c.labels, label.trim()] }, { onSuccess: () => setLabel('') });
          }}
        >
          <input className="small-input" placeholder={t('actions.addLabel')} aria-label={t('actions.addLabel')} value={label} onChange={(e) => setLabel(e.target.value)} />
        </form>
      </div>
      <h4>{t('sidebar.notes')}</h4>
      <textarea rows={4} value={notes} onChange={(e) => setNotes(e.target.value)} aria-label={t('sidebar.notes')} />
      <button className="small" disabled={notes === (c.notes ?? '') || update.isPending} onClick={() => update.mutate({ notes: notes || null })}>
        {update.isSuccess && notes === (c.notes ?? '') ? t('sidebar.saved') : t('sidebar.saveNotes')}
      </button>
      {canMerge && (
        <>
          <h4>{t('sidebar.merge')}</h4>
          <input type="search" placeholder={t('sidebar.mergeSearch')} aria-label={t('sidebar.mergeSearch')} value={search} onChange={(e) => setSearch(e.target.value)} />
          <ul className="plain small">
            {(candidates.data?.items ?? [])
              .filter((x) => x.id !== c.id)
              .map((x) => (
                <li key={x.id}>
                  {x.name ?? x.email ?? x.identities[0]?.address ?? x.id}{' '}
                  <button
                    className="link"
                    disabled={merge.isPending}
                    onClick={() => {
                      if (window.confirm(t('sidebar.mergeConfirm', { source: x.name ?? x.email ?? x.identities[0]?.address ?? x.id, target: c.name ?? c.email ?? c.id })))
                        merge.mutate(x.id);
                    }}
                  >
                    {t('sidebar.mergeInto')}
                  </button>
                </li>
              ))}
          </ul>
        </>
      )}
      {merge.isSuccess && <div className="ok small">{t('sidebar.merged')}</div>}
      {(merge.error || update.error) && <div className="error small">{t('common.error', { message: (merge.error ?? update.error)!.message })}</div>}
    </aside>
  );
}
