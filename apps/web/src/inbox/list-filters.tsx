import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client';
import type { Inbox } from '../api/types';
import { activeFilterCount, SLA_FILTERS, SORT_ORDERS, type ListFilters, type SortOrder } from '../lib/conversation-filters';
import { deleteView, loadViews, saveView, type SavedView } from '../lib/saved-views';
import { useDirectory, useTeams } from '../session/session';
import { CHANNEL_KINDS } from '@inbox/realtime-contract';

const CHANNELS = CHANNEL_KINDS;

interface Props {
  filters: ListFilters;
  sort: SortOrder;
  /** Labels of the conversations already loaded, offered as suggestions. */
  labels: string[];
  params: URLSearchParams;
  onFilters(f: ListFilters): void;
  onSort(s: SortOrder): void;
  onView(query: string): void;
}

/** Filters, sort and saved views of the conversation list; the page keeps all of it in the URL. */
export function ListFiltersBar({ filters, sort, labels, params, onFilters, onSort, onView }: Props) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(activeFilterCount(filters) > 0);
  const [views, setViews] = useState<SavedView[]>(() => loadViews(localStorage));
  const [naming, setNaming] = useState<string | null>(null);
  const inboxes = useQuery({ queryKey: ['inboxes'], queryFn: () => get<Inbox[]>('/inboxes'), staleTime: 60_000, enabled: open });
  const teams = useTeams();
  const { users } = useDirectory();
  const n = activeFilterCount(filters);
  const set = <K extends keyof ListFilters>(k: K, v: ListFilters[K] | '') => onFilters({ ...filters, [k]: v === '' ? undefined : v });
  const sortedUsers = useMemo(() => [...(users ?? [])].filter((u) => u.active).sort((a, b) => a.name.localeCompare(b.name)), [users]);

  return (
    <div className="list-filters">
      <div className="list-filters-row">
        <button className={`ghost small ${n ? 'active' : ''}`} aria-expanded={open} onClick={() => setOpen((v) => !v)} data-testid="filters-toggle">
          {n ? t('listView.filtersOn', { n }) : t('listView.filters')}
        </button>
        <select aria-label={t('listView.sort')} data-testid="sort" value={sort} onChange={(e) => onSort(e.target.value as SortOrder)}>
          {SORT_ORDERS.map((s) => (
            <option key={s} value={s}>
              {t(`listView.sortBy.${s}`)}
            </option>
          ))}
        </select>
        <select
          aria-label={t('listView.views')}
          data-testid="saved-views"
          value=""
          onChange={(e) => {
            const v = views.find((x) => x.name === e.target.value);
            if (v) onView(v.query);
          }}
        >
          <option value="">{t('listView.views')}</option>
          {views.map((v) => (
            <option key={v.name} value={v.name}>
              {v.name}
            </option>
          ))}
        </select>
        <button className="ghost small" onClick={() => setNaming('')} data-testid="save-view">
          {t('listView.saveView')}
        </button>
      </div>
      {naming !== null && (
        <form
          className="list-filters-row"
          onSubmit={(e) => {
            e.preventDefault();
            if (naming.trim()) setViews(saveView(localStorage, naming, params));
            setNaming(null);
          }}
        >
          <input
            autoFocus
            aria-label={t('listView.viewName')}
            placeholder={t('listView.viewName')}
            value={naming}
            maxLength={60}
            onChange={(e) => setNaming(e.target.value)}
            data-testid="view-name"
          />
          <button type="submit" className="primary small" disabled={!naming.trim()}>
            {t('listView.save')}
          </button>
          <button type="button" className="ghost small" onClick={() => setNaming(null)}>
            {t('common.close')}
          </button>
        </form>
      )}
      {open && (
        <div className="list-filters-grid" data-testid="filters">
          <select aria-label={t('listView.inbox')} data-testid="filter-inbox" value={filters.inboxId ?? ''} onChange={(e) => set('inboxId', e.target.value)}>
            <option value="">{t('listView.anyInbox')}</option>
            {(inboxes.data ?? []).map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
          <select aria-label={t('listView.team')} data-testid="filter-team" value={filters.teamId ?? ''} onChange={(e) => set('teamId', e.target.value)}>
            <option value="">{t('listView.anyTeam')}</option>
            {(teams.data ?? []).map((tm) => (
              <option key={tm.id} value={tm.id}>
                {tm.name}
              </option>
            ))}
          </select>
          <select
            aria-label={t('listView.channel')}
            data-testid="filter-channel"
            value={filters.channel ?? ''}
            onChange={(e) => set('channel', e.target.value as ListFilters['channel'])}
          >
            <option value="">{t('listView.anyChannel')}</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {t(`channel.${c}`)}
              </option>
            ))}
          </select>
          <input
            list="list-filter-labels"
            aria-label={t('listView.label')}
            placeholder={t('listView.anyLabel')}
            data-testid="filter-label"
            value={filters.label ?? ''}
            onChange={(e) => set('label', e.target.value.trim())}
          />
          <datalist id="list-filter-labels">
            {labels.map((l) => (
              <option key={l} value={l} />
            ))}
          </datalist>
          <select
            aria-label={t('priority.label')}
            data-testid="filter-priority"
            value={filters.priority ?? ''}
            onChange={(e) => set('priority', e.target.value === '' ? '' : Number(e.target.value))}
          >
            <option value="">{t('listView.anyPriority')}</option>
            {[3, 2, 1, 0].map((p) => (
              <option key={p} value={p}>
                {t(`priority.p${p}` as 'priority.p0')}
              </option>
            ))}
          </select>
          <select aria-label={t('listView.assignee')} data-testid="filter-assignee" value={filters.assigneeId ?? ''} onChange={(e) => set('assigneeId', e.target.value)}>
            <option value="">{t('listView.anyAssignee')}</option>
            <option value="none">{t('list.unassigned')}</option>
            {sortedUsers.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
          <select aria-label={t('listView.sla')} data-testid="filter-sla" value={filters.sla ?? ''} onChange={(e) => set('sla', e.target.value as ListFilters['sla'])}>
            <option value="">{t('listView.anySla')}</option>
            {SLA_FILTERS.map((s) => (
              <option key={s} value={s}>
                {s === 'none' ? t('listView.noSla') : t(`service.state.${s}`)}
              </option>
            ))}
          </select>
          {n > 0 && (
            <button className="link small" onClick={() => onFilters({})} data-testid="filters-clear">
              {t('listView.clear')}
            </button>
          )}
          {views.length > 0 && (
            <span className="small muted">
              {views.map((v) => (
                <button key={v.name} className="link small" onClick={() => setViews(deleteView(localStorage, v.name))} aria-label={t('listView.deleteView', { name: v.name })}>
                  × {v.name}
                </button>
              ))}
            </span>
          )}
        </div>
      )}
    </div>
  );
}
