import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { histogram } from './stats.mjs';

const fmt = (v, digits = 3) => {
  if (v === null || v === undefined) return '-';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  return v.toPrecision(digits);
};

/** The printed table: the same-run baseline and the ratio to it are the headline. */
export function table(results) {
  const rows = [['figure', 'value', 'baseline (same run)', 'ratio', 'target', 'pass']];
  for (const r of results) {
    rows.push([
      r.name,
      r.error ? `ERROR: ${r.error.split('\n')[0].slice(0, 80)}` : `${fmt(r.value)} ${r.unit}`,
      r.baseline === null || r.baseline === undefined ? '-' : `${fmt(r.baseline)} ${r.baselineUnit ?? r.unit}`,
      r.ratio === null || r.ratio === undefined ? '-' : `${fmt(r.ratio)}x`,
      r.target ?? '-',
      r.pass === null || r.pass === undefined ? '-' : r.pass ? 'yes' : 'NO',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => '| ' + row.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(rows[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

export function writeJson(dir, results, meta) {
  const figures = results.map(({ charts: _charts, ...r }) => r);
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(figures, null, 2) + '\n');
  writeFileSync(join(dir, 'latest-meta.json'), JSON.stringify(meta, null, 2) + '\n');
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c'];
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function frame(title, xLabel, yLabel, maxX, maxY, body, legend, xLog = false, minX = 0) {
  const W = 560;
  const H = 260;
  const L = 56;
  const B = 36;
  const ticks = [];
  for (let i = 0; i <= 4; i++) {
    const y = H - B - ((H - B - 20) * i) / 4;
    ticks.push(
      `<line x1="${L}" x2="${W - 10}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${L - 6}" y="${y + 4}" font-size="10" text-anchor="end">${fmt((maxY * i) / 4, 2)}</text>`,
    );
    const xv = xLog ? minX * (maxX / minX) ** (i / 4) : (maxX * i) / 4;
    const x = L + ((W - L - 10) * i) / 4;
    ticks.push(`<text x="${x}" y="${H - B + 14}" font-size="10" text-anchor="middle">${fmt(xv, 2)}</text>`);
  }
  const leg = legend
    .map(
      (l, i) =>
        `<rect x="${L + 10 + i * 140}" y="6" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${L + 24 + i * 140}" y="15" font-size="11">${esc(l)}</text>`,
    )
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">${ticks.join('')}<line x1="${L}" y1="${H - B}" x2="${W - 10}" y2="${H - B}" stroke="#333"/><line x1="${L}" y1="20" x2="${L}" y2="${H - B}" stroke="#333"/>${body}${leg}<text x="${(W + L) / 2}" y="${H - 4}" font-size="11" text-anchor="middle">${esc(xLabel)}</text><text x="12" y="${(H - B) / 2}" font-size="11" transform="rotate(-90 12 ${(H - B) / 2})" text-anchor="middle">${esc(yLabel)}</text></svg></figure>`;
}

function chartSvg(c) {
  const W = 560;
  const H = 260;
  const L = 56;
  const B = 36;
  const px = (x, maxX) => L + ((W - L - 10) * x) / (maxX || 1);
  const py = (y, maxY) => H - B - ((H - B - 20) * y) / (maxY || 1);
  if (c.kind === 'line') {
    const maxX = Math.max(1, ...c.series.map((s) => s.values.length));
    const maxY = Math.max(1, ...c.series.flatMap((s) => s.values)) * 1.1;
    const body = c.series
      .map(
        (s, i) =>
          `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${s.values.map((v, j) => `${px(j + 0.5, maxX).toFixed(1)},${py(v, maxY).toFixed(1)}`).join(' ')}"/>`,
      )
      .join('');
    return frame(
      c.title,
      'seconds',
      c.yLabel ?? 'per second',
      maxX,
      maxY,
      body,
      c.series.map((s) => s.label),
    );
  }
  if (c.kind === 'cdf') {
    const all = c.series.flatMap((s) => s.values).filter((v) => v > 0);
    const minX = Math.max(0.01, Math.min(...all));
    const maxX = Math.max(minX * 10, ...all);
    const lx = (v) => L + ((W - L - 10) * Math.log(Math.max(v, minX) / minX)) / Math.log(maxX / minX);
    const body = c.series
      .map((s, i) => {
        const v = [...s.values].sort((a, b) => a - b);
        const pts = v.map((x, j) => `${lx(x).toFixed(1)},${py((j + 1) / v.length, 1).toFixed(1)}`);
        return `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${pts.join(' ')}"/>`;
      })
      .join('');
    return frame(
      c.title,
      `${c.xLabel ?? 'value'} (log scale)`,
      'share <= x',
      maxX,
      1,
      body,
      c.series.map((s) => s.label),
      true,
      minX,
    );
  }
  // Histogram: log-spaced buckets shared by all series, drawn as steps.
  const all = c.series.flatMap((s) => s.values);
  const hs = c.series.map((s) => histogram(s.values.length ? s.values : [0], 30));
  const edges = histogram(all, 30);
  const maxY = Math.max(1, ...hs.flat().map((b) => b.n)) * 1.1;
  const minX = edges[0]?.from ?? 0.01;
  const maxX = edges[edges.length - 1]?.to ?? 1;
  const lx = (v) => L + ((W - L - 10) * Math.log(Math.max(v, minX) / minX)) / Math.log(maxX / minX || 10);
  const body = hs
    .map((h, i) =>
      h
        .map(
          (b) =>
            `<rect x="${lx(b.from).toFixed(1)}" y="${py(b.n, maxY).toFixed(1)}" width="${Math.max(1, lx(b.to) - lx(b.from) - 1).toFixed(1)}" height="${(H - B - py(b.n, maxY)).toFixed(1)}" fill="${COLORS[i % COLORS.length]}" fill-opacity="0.5"/>`,
        )
        .join(''),
    )
    .join('');
  return frame(
    c.title,
    `${c.xLabel ?? 'value'} (log scale)`,
    'count',
    maxX,
    maxY,
    body,
    c.series.map((s) => s.label),
    true,
    minX,
  );
}

export function writeHtml(dir, results, meta, tableText) {
  const sections = results
    .map((r) => {
      const charts = (r.charts ?? []).map(chartSvg).join('');
      return `<section><h2>${esc(r.name)}</h2><p><b>${r.error ? 'ERROR ' + esc(r.error) : `${esc(fmt(r.value))} ${esc(r.unit)}`}</b>${r.baseline !== null && r.baseline !== undefined ? ` · baseline ${esc(fmt(r.baseline))} ${esc(r.baselineUnit ?? '')} · ratio <b>${esc(fmt(r.ratio))}x</b>` : ''}${r.target ? ` · target ${esc(r.target)}: <b>${r.pass ? 'met' : 'missed'}</b>` : ''}</p>${charts}<details><summary>settings</summary><pre>${esc(JSON.stringify(r.settings, null, 2))}</pre></details></section>`;
    })
    .join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Inbox benchmarks</title><style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}pre{background:#f6f6f6;padding:.6em;overflow:auto;font-size:12px}figure{margin:1em 0}figcaption{font-size:13px;color:#444}section{border-top:1px solid #ddd;padding-top:.5em}</style></head><body><h1>Inbox benchmarks</h1><p>${esc(meta.mode)} run, ${esc(meta.startedAt)}, ${esc(meta.machine)}; database: ${esc(meta.database)}; Redis: ${esc(meta.redis)}. Every timing is compared with a baseline measured in the same run on the same machine.</p><pre>${esc(tableText)}</pre>${sections}</body></html>`;
  writeFileSync(join(dir, 'report.html'), html);
}
