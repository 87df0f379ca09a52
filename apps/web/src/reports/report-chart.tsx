import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: Array<number | null>;
  dash?: boolean;
}

/**
 * One line chart (uPlot, canvas) with a visible title, a text summary for screen readers and a
 * data table alternative: the canvas is decoration for those who can see it, the table is the data.
 */
export function ReportChart({
  id,
  title,
  xs,
  series,
  formatX,
  formatY,
}: {
  id: string;
  title: string;
  xs: number[];
  series: ChartSeries[];
  formatX: (unixSeconds: number) => string;
  formatY: (v: number) => string;
}) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    setWidth(el.clientWidth);
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!el || width <= 0 || !xs.length) return;
    const plot = new uPlot(
      {
        width,
        height: 220,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        // Time ticks fall on whole hours, days or weeks; their labels come from Intl in the reader's language.
        scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
        axes: [
          { values: (_u, ticks) => ticks.map((v) => formatX(v)), space: 90 },
          { values: (_u, ticks) => ticks.map((v) => formatY(v)), size: 70 },
        ],
        series: [
          { label: t('reports.chart.time'), value: (_u, v) => (v === null || v === undefined ? '–' : formatX(v)) },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            dash: s.dash ? [6, 4] : undefined,
            points: { show: xs.length < 40 },
            value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : formatY(v)),
          })),
        ],
      },
      [xs, ...series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    return () => plot.destroy();
  }, [width, xs, series, formatX, formatY, t]);

  const summary = series
    .map((s) => {
      const vs = s.values.filter((v): v is number => v !== null);
      return vs.length
        ? t('reports.chart.summary', { series: s.label, min: formatY(Math.min(...vs)), max: formatY(Math.max(...vs)) })
        : t('reports.chart.noValues', { series: s.label });
    })
    .join(' ');

  return (
    <figure className="report-chart" data-testid="report-chart" data-chart={id}>
      <figcaption>
        <strong>{title}</strong>
      </figcaption>
      <div ref={box} className="report-canvas" role="img" aria-label={`${title}. ${summary}`} />
      <p className="muted small">{summary}</p>
      <details>
        <summary>{t('reports.chart.showTable')}</summary>
        <table className="report-table" data-testid="chart-table">
          <caption className="sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t('reports.chart.time')}</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {xs.map((x, i) => (
              <tr key={x}>
                <th scope="row">{formatX(x)}</th>
                {series.map((s) => (
                  <td key={s.label}>{s.values[i] === null || s.values[i] === undefined ? '–' : formatY(s.values[i]!)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
