import { useMemo, useState } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { ApiError, auth, get } from '../api/client';
import type { Inbox } from '../api/types';
import { useFormat } from '../i18n/format';
import { useDirectory, useTeams } from '../session/session';
import { FilterSelect } from './filter-select';
import { ReportChart, type ChartSeries } from './report-chart';
import {
  AGENT_COLUMNS,
  REPORT_CHANNELS,
  autoInterval,
  filtersToParams,
  parseFilters,
  reportQuery,
  seriesColumns,
  sortAgents,
  type AgentColumn,
  type DrillMetric,
  type KpiReport,
  type ReportFilters,
} from './report-data';
import './reports.css';

const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

interface DrillRow {
  id: string;
  createdAt: string;
  channel: string;
  inboxName: string;
  status: string;
  subject: string | null;
  contactName: string | null;
  assigneeName: string | null;
  firstResponseSeconds: number | null;
  resolutionSeconds: number | null;
  csatRating: number | null;
  slaBreached: boolean;
}

/** Saves a CSV the API streams; a plain link cannot carry the bearer token. */
async function downloadCsv(path: string, fallbackName: string): Promise<void> {
  const res = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${auth.token ?? ''}`, accept: 'text/csv' } });
  if (!res.ok) throw new ApiError(res.status, 'HTTP_' + res.status, res.statusText);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export default function ReportsPage() {
  const { t, i18n } = useTranslation();
  const lng = i18n.resolvedLanguage ?? 'en';
  const fmt = useFormat();
  const [params, setParams] = useSearchParams();
  const f = useMemo(() => parseFilters(params, new Date()), [params]);
  const teams = useTeams();
  const directory = useDirectory();
  const inboxes = useQuery({ queryKey: ['inboxes'], queryFn: () => get<Inbox[]>('/inboxes'), staleTime: 60_000 });
  const query = reportQuery(f, TIME_ZONE);
  const report = useQuery({ queryKey: ['reports', query], queryFn: () => get<KpiReport>(`/reports/kpis?${query}`) });
  const [exportError, setExportError] = useState<string | null>(null);

  const update = (patch: Partial<ReportFilters>) => setParams(filtersToParams({ ...f, ...patch }));
  const drill = (metric: DrillMetric, agentId: string | null = null) => update({ drill: metric, drillAgentId: agentId });

  const interval = f.interval ?? autoInterval(f.from, f.to);
  const formatX = useMemo(() => {
    const opts: Intl.DateTimeFormatOptions =
      interval === 'hour' ? { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: TIME_ZONE } : { month: 'short', day: 'numeric', timeZone: TIME_ZONE };
    const dtf = new Intl.DateTimeFormat(lng, opts);
    return (s: number) => dtf.format(new Date(s * 1000));
  }, [interval, lng]);
  const nf = useMemo(() => new Intl.NumberFormat(lng, { maximumFractionDigits: 2 }), [lng]);
  const pf = useMemo(() => new Intl.NumberFormat(lng, { style: 'percent', maximumFractionDigits: 1 }), [lng]);
  const formatCount = useMemo(() => (v: number) => nf.format(v), [nf]);
  const formatPercent = useMemo(() => (v: number) => pf.format(v / 100), [pf]);
  const formatDuration = useMemo(() => (v: number) => fmt.duration(v), [lng]); // eslint-disable-line react-hooks/exhaustive-deps
  const dur = (v: number | null) => (v === null ? '–' : fmt.duration(v));
  const pct = (v: number | null) => (v === null ? '–' : pf.format(v));
  const num = (v: number | null) => (v === null ? '–' : nf.format(v));

  const charts = useMemo(() => {
    const points = report.data?.series?.points ?? [];
    const col = (keys: Parameters<typeof seriesColumns>[1], scale?: (v: number) => number) => seriesColumns(points, keys, scale);
    const [xs, created, resolved] = col(['created', 'resolved']);
    const [, frt50, frt90] = col(['firstResponseSecondsP50', 'firstResponseSecondsP90']);
    const [, res50, res90] = col(['resolutionSecondsP50', 'resolutionSecondsP90']);
    const [, csat] = col(['csatAverage']);
    const [, sla] = col(['slaMetRate'], (v) => v * 100);
    const s = (label: string, color: string, values: Array<number | null>, dash = false): ChartSeries => ({ label, color, values, dash });
    return {
      xs,
      volume: [s(t('reports.series.created'), '#2563eb', created!), s(t('reports.series.resolved'), '#16a34a', resolved!)],
      firstResponse: [s(t('reports.series.p50'), '#7c3aed', frt50!), s(t('reports.series.p90'), '#db2777', frt90!, true)],
      resolution: [s(t('reports.series.p50'), '#0891b2', res50!), s(t('reports.series.p90'), '#ea580c', res90!, true)],
      csat: [s(t('reports.series.csat'), '#ca8a04', csat!)],
      sla: [s(t('reports.series.slaMet'), '#059669', sla!)],
    };
  }, [report.data, t]);

  const exportCsv = (path: string, name: string) => {
    setExportError(null);
    downloadCsv(path, name).catch((err: Error) => setExportError(err.message));
  };

  const r = report.data;
  const Num = ({ metric, value, testid, agentId = null }: { metric: DrillMetric; value: string; testid?: string; agentId?: string | null }) => (
    <button type="button" className="link-button" data-testid={testid} data-metric={metric} onClick={() => drill(metric, agentId)} title={t('reports.drill.open')}>
      {value}
    </button>
  );

  return (
    <div className="reports-page" data-testid="reports-page">
      <h1>{t('reports.title')}</h1>
      <form className="report-filters" onSubmit={(e) => e.preventDefault()} aria-label={t('reports.filters.label')}>
        <label>
          {t('reports.filters.from')}
          <input type="date" name="from" value={f.from} max={f.to} onChange={(e) => e.target.value && update({ from: e.target.value, drill: null })} />
        </label>
        <label>
          {t('reports.filters.to')}
          <input type="date" name="to" value={f.to} min={f.from} onChange={(e) => e.target.value && update({ to: e.target.value, drill: null })} />
        </label>
        <FilterSelect
          label={t('reports.filters.team')}
          name="teamId"
          value={f.teamId}
          emptyLabel={t('reports.filters.any')}
          options={(teams.data ?? []).map((x) => ({ value: x.id, label: x.name }))}
          onChange={(teamId) => update({ teamId, drill: null })}
        />
        <FilterSelect
          label={t('reports.filters.inbox')}
          name="inboxId"
          value={f.inboxId}
          emptyLabel={t('reports.filters.any')}
          options={(inboxes.data ?? []).map((x) => ({ value: x.id, label: x.name }))}
          onChange={(inboxId) => update({ inboxId, drill: null })}
        />
        <FilterSelect
          label={t('reports.filters.channel')}
          name="channel"
          value={f.channel}
          emptyLabel={t('reports.filters.any')}
          options={REPORT_CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}`) }))}
          onChange={(channel) => update({ channel, drill: null })}
        />
        <FilterSelect
          label={t('reports.filters.agent')}
          name="agentId"
          value={f.agentId}
          emptyLabel={t('reports.filters.any')}
          options={directory.users.filter((u) => u.active).map((u) => ({ value: u.id, label: u.name }))}
          onChange={(agentId) => update({ agentId, drill: null })}
        />
        <FilterSelect
          label={t('reports.filters.interval')}
          name="interval"
          value={f.interval}
          emptyLabel={t('reports.filters.auto')}
          options={(['hour', 'day', 'week'] as const).map((i) => ({ value: i, label: t(`reports.filters.${i}`) }))}
          onChange={(interval) => update({ interval: interval as ReportFilters['interval'] })}
        />
      </form>

      <div className="report-exports" role="group" aria-label={t('reports.export.label')}>
        <span className="muted">{t('reports.export.label')}:</span>
        {(['summary', 'agents', 'teams', 'series'] as const).map((table) => (
          <button
            key={table}
            type="button"
            className="ghost"
            data-testid={`export-${table}`}
            onClick={() => exportCsv(`/reports/kpis?${reportQuery(f, TIME_ZONE, { format: 'csv', table })}`, `report-${table}.csv`)}
          >
            {t(`reports.export.${table}`)}
          </button>
        ))}
        <button
          type="button"
          className="ghost"
          data-testid="export-conversations"
          onClick={() => exportCsv(`/reports/conversations?${reportQuery(f, TIME_ZONE, { format: 'csv' })}`, 'conversations.csv')}
        >
          {t('reports.export.conversations')}
        </button>
        {exportError && <span className="error">{t('common.error', { message: exportError })}</span>}
      </div>

      {report.isLoading && <div className="muted">{t('common.loading')}</div>}
      {report.error && <div className="error">{t('common.error', { message: (report.error as Error).message })}</div>}
      {r && (
        <>
          <section className="kpi-cards" aria-label={t('reports.kpi.label')}>
            <div className="kpi" data-testid="kpi-created">
              <span>{t('reports.kpi.created')}</span>
              <Num metric="created" value={num(r.conversations.created)} testid="kpi-created-value" />
            </div>
            <div className="kpi">
              <span>{t('reports.kpi.resolved')}</span>
              <Num metric="resolved" value={num(r.conversations.resolved)} />
              <small>{t('reports.kpi.rate', { rate: pct(r.resolutionRate) })}</small>
            </div>
            <div className="kpi">
              <span>{t('reports.kpi.unresolved')}</span>
              <Num metric="unresolved" value={num(r.conversations.unresolved)} />
            </div>
            <div className="kpi">
              <span>{t('reports.kpi.unanswered')}</span>
              <Num metric="unanswered" value={num(r.conversations.created - r.conversations.answered)} />
            </div>
            <div className="kpi">
              <span>{t('reports.kpi.firstResponse')}</span>
              <Num metric="answered" value={dur(r.firstResponseSeconds.p50)} />
              <small>{t('reports.kpi.p90', { value: dur(r.firstResponseSeconds.p90) })}</small>
            </div>
            <div className="kpi">
              <span>{t('reports.kpi.resolution')}</span>
              <Num metric="resolved" value={dur(r.resolutionSeconds.p50)} />
              <small>{t('reports.kpi.p90', { value: dur(r.resolutionSeconds.p90) })}</small>
            </div>
            <div className="kpi">
              <span>{t('reports.kpi.csat')}</span>
              <Num metric="csat_rated" value={r.csat.average === null ? '–' : `${nf.format(r.csat.average)} / 5`} testid="kpi-csat-value" />
              <small>{t('reports.kpi.csatDetail', { satisfied: pct(r.csat.satisfiedRate), responses: nf.format(r.csat.responses), rate: pct(r.csat.responseRate) })}</small>
            </div>
            <div className="kpi">
              <span>{t('reports.kpi.csatLow')}</span>
              <Num metric="csat_low" value={num((r.csat.distribution['1'] ?? 0) + (r.csat.distribution['2'] ?? 0))} testid="kpi-csat-low" />
            </div>
            <div className="kpi">
              <span>{t('reports.kpi.slaMet')}</span>
              <span className="kpi-value">{pct(r.sla.metRate)}</span>
              <small>
                {t('reports.kpi.slaBreaches')}: <Num metric="sla_breached" value={num(r.slaBreaches)} />
              </small>
            </div>
          </section>

          {f.drill && <DrillDown f={f} onClose={() => update({ drill: null, drillAgentId: null })} agentName={r.byAgent.find((a) => a.agentId === f.drillAgentId)?.name ?? null} />}

          <section className="report-charts" aria-label={t('reports.charts')}>
            <ReportChart id="volume" title={t('reports.chart.volume')} xs={charts.xs} series={charts.volume} formatX={formatX} formatY={formatCount} />
            <ReportChart id="first-response" title={t('reports.chart.firstResponse')} xs={charts.xs} series={charts.firstResponse} formatX={formatX} formatY={formatDuration} />
            <ReportChart id="resolution" title={t('reports.chart.resolution')} xs={charts.xs} series={charts.resolution} formatX={formatX} formatY={formatDuration} />
            <ReportChart id="csat" title={t('reports.chart.csat')} xs={charts.xs} series={charts.csat} formatX={formatX} formatY={formatCount} />
            <ReportChart id="sla" title={t('reports.chart.sla')} xs={charts.xs} series={charts.sla} formatX={formatX} formatY={formatPercent} />
          </section>

          <AgentTable rows={r.byAgent} onDrill={drill} />

          <section>
            <h2>{t('reports.teams.title')}</h2>
            <table className="report-table" data-testid="team-table">
              <thead>
                <tr>
                  <th scope="col">{t('reports.teams.name')}</th>
                  <th scope="col">{t('reports.kpi.created')}</th>
                  <th scope="col">{t('reports.kpi.resolved')}</th>
                  <th scope="col">{t('reports.teams.resolutionRate')}</th>
                  <th scope="col">{t('reports.kpi.firstResponse')}</th>
                  <th scope="col">{t('reports.kpi.csat')}</th>
                  <th scope="col">{t('reports.kpi.slaMet')}</th>
                  <th scope="col">{t('reports.agents.qaAveragePercent')}</th>
                </tr>
              </thead>
              <tbody>
                {r.byTeam.map((tm) => (
                  <tr key={tm.teamId}>
                    <th scope="row">
                      <button type="button" className="link-button" onClick={() => update({ teamId: tm.teamId, drill: null })}>
                        {tm.name}
                      </button>
                    </th>
                    <td>{num(tm.created)}</td>
                    <td>{num(tm.resolved)}</td>
                    <td>{pct(tm.resolutionRate)}</td>
                    <td>{dur(tm.firstResponseSecondsP50)}</td>
                    <td>{num(tm.csatAverage)}</td>
                    <td>{pct(tm.slaMetRate)}</td>
                    <td>{tm.qaAveragePercent === null ? '–' : formatPercent(tm.qaAveragePercent)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </div>
  );
}

function AgentTable({ rows, onDrill }: { rows: KpiReport['byAgent']; onDrill: (m: DrillMetric, agentId: string) => void }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.resolvedLanguage ?? 'en';
  const fmt = useFormat();
  const [sort, setSort] = useState<{ column: AgentColumn; dir: 'asc' | 'desc' }>({ column: 'assigned', dir: 'desc' });
  const sorted = useMemo(() => sortAgents(rows, sort.column, sort.dir, lng), [rows, sort, lng]);
  const nf = new Intl.NumberFormat(lng, { maximumFractionDigits: 2 });
  const pf = new Intl.NumberFormat(lng, { style: 'percent', maximumFractionDigits: 1 });
  const cell = (row: KpiReport['byAgent'][number], c: AgentColumn) => {
    const v = row[c];
    if (v === null) return '–';
    if (c === 'firstResponseSecondsP50' || c === 'resolutionSecondsP50') return fmt.duration(v as number);
    if (c === 'qaAveragePercent') return pf.format((v as number) / 100);
    if (c === 'assigned')
      return (
        <button type="button" className="link-button" data-testid="agent-drill" onClick={() => onDrill('created', row.agentId)}>
          {nf.format(v as number)}
        </button>
      );
    if (c === 'resolved')
      return (
        <button type="button" className="link-button" onClick={() => onDrill('resolved', row.agentId)}>
          {nf.format(v as number)}
        </button>
      );
    return typeof v === 'number' ? nf.format(v) : v;
  };
  return (
    <section>
      <h2>{t('reports.agents.title')}</h2>
      <table className="report-table" data-testid="agent-table">
        <thead>
          <tr>
            {AGENT_COLUMNS.map((c) => (
              <th key={c} scope="col" aria-sort={sort.column === c ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
                <button
                  type="button"
                  className="link-button"
                  data-testid={`sort-${c}`}
                  onClick={() => setSort((s) => ({ column: c, dir: s.column === c && s.dir === 'desc' ? 'asc' : 'desc' }))}
                >
                  {t(`reports.agents.${c}`)} {sort.column === c ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={row.agentId} data-testid="agent-row" data-agent-id={row.agentId}>
              {AGENT_COLUMNS.map((c) =>
                c === 'name' ? (
                  <th scope="row" key={c}>
                    {row.name}
                  </th>
                ) : (
                  <td key={c}>{cell(row, c)}</td>
                ),
              )}
            </tr>
          ))}
          {!sorted.length && (
            <tr>
              <td colSpan={AGENT_COLUMNS.length} className="muted">
                {t('reports.agents.none')}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

function DrillDown({ f, onClose, agentName }: { f: ReportFilters; onClose: () => void; agentName: string | null }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const base = reportQuery(f, TIME_ZONE, { metric: f.drill!, ...(f.drillAgentId ? { agentId: f.drillAgentId } : {}) });
  const list = useInfiniteQuery({
    queryKey: ['report-drill', base],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      get<{ items: DrillRow[]; nextCursor: string | null }>(`/reports/conversations?${base}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="report-drill" data-testid="drill-down" aria-live="polite">
      <header>
        <h2>
          {t(`reports.drill.metric.${f.drill!}` as 'reports.drill.metric.created')}
          {agentName ? ` · ${agentName}` : ''}
        </h2>
        <button type="button" className="ghost" onClick={onClose}>
          {t('common.close')}
        </button>
      </header>
      {list.isLoading && <div className="muted">{t('common.loading')}</div>}
      {list.error && <div className="error">{t('common.error', { message: (list.error as Error).message })}</div>}
      <table className="report-table">
        <thead>
          <tr>
            <th scope="col">{t('reports.drill.createdAt')}</th>
            <th scope="col">{t('reports.drill.contact')}</th>
            <th scope="col">{t('reports.filters.channel')}</th>
            <th scope="col">{t('reports.drill.status')}</th>
            <th scope="col">{t('reports.filters.agent')}</th>
            <th scope="col">{t('reports.kpi.firstResponse')}</th>
            <th scope="col">{t('reports.kpi.resolution')}</th>
            <th scope="col">{t('reports.kpi.csat')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr key={c.id} data-testid="drill-row" data-conversation-id={c.id}>
              <td>{fmt.dateTime(c.createdAt)}</td>
              <td>
                <Link to={`/inbox/${c.id}`}>{c.subject || c.contactName || c.id.slice(0, 8)}</Link>
              </td>
              <td>{t(`channel.${c.channel}` as 'channel.api')}</td>
              <td>{t(`status.${c.status}` as 'status.open')}</td>
              <td>{c.assigneeName ?? '–'}</td>
              <td>{c.firstResponseSeconds === null ? '–' : fmt.duration(c.firstResponseSeconds)}</td>
              <td>{c.resolutionSeconds === null ? '–' : fmt.duration(c.resolutionSeconds)}</td>
              <td>{c.csatRating ?? '–'}</td>
            </tr>
          ))}
          {!list.isLoading && !items.length && (
            <tr>
              <td colSpan={8} className="muted">
                {t('reports.drill.none')}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {list.hasNextPage && (
        <button type="button" className="ghost" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {t('reports.drill.more')}
        </button>
      )}
    </section>
  );
}
