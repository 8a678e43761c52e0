// The per-layer report as text (for `mote convert`), JSON and a self-contained HTML page.
import type { PlacementReport } from '../plan/weights-placement.js';
import type { LayerReport } from './layers.js';

export interface ReportTotals {
  /** The source's weights as float32 (the original model). */
  floatWeightBytes: number;
  /** The blob's weights section. */
  weightBytes: number;
  blobBytes: number;
  macsBefore: number;
  macsAfter: number;
}

const kb = (n: number) => (n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
const snr = (v: number | null) => (v === null ? 'exact' : `${v.toFixed(1)} dB`);

export function layerTableText(r: LayerReport, t: ReportTotals): string {
  const head = ['layer', 'op', 'method', 'bytes before', 'bytes after', 'weight SNR', 'MACs before', 'MACs after'];
  const rows = r.rows.map((x) => [x.name, x.op, x.methods.join(' + '), kb(x.bytesBefore), kb(x.bytesAfter), snr(x.snrDb), String(x.macsBefore), String(x.macsAfter)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  const out = [line(head), ...rows.map(line)];
  out.push(
    `  totals: weights ${kb(t.weightBytes)} in the blob vs ${kb(t.floatWeightBytes)} float32 (${(t.floatWeightBytes / Math.max(1, t.weightBytes)).toFixed(2)}× smaller); ` +
      `blob ${kb(t.blobBytes)}; weighted-layer MACs ${t.macsBefore} → ${t.macsAfter} (${(t.macsBefore / Math.max(1, t.macsAfter)).toFixed(2)}×)`,
  );
  return out.join('\n');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function layerReportHtml(title: string, r: LayerReport, t: ReportTotals, extraHtml = ''): string {
  const rows = r.rows
    .map((x) => `<tr><td>${esc(x.name)}</td><td>${x.op}</td><td>${esc(x.methods.join(' + '))}</td><td>${x.bytesBefore}</td><td>${x.bytesAfter}</td><td>${snr(x.snrDb)}</td><td>${x.macsBefore}</td><td>${x.macsAfter}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:nth-child(-n+3),th{text-align:left}</style>
</head><body>
<h1>${esc(title)}</h1>
<p>Weights: ${t.weightBytes} B in the blob vs ${t.floatWeightBytes} B as float32 (${(t.floatWeightBytes / Math.max(1, t.weightBytes)).toFixed(2)}× smaller). Blob: ${t.blobBytes} B. MACs per inference in the weighted layers: ${t.macsBefore} → ${t.macsAfter}.</p>
<table><thead><tr><th>layer</th><th>op</th><th>method</th><th>bytes before</th><th>bytes after</th><th>weight SNR</th><th>MACs before</th><th>MACs after</th></tr></thead>
<tbody>
${rows}
<tr><th>total (layers)</th><th></th><th></th><td>${r.totals.bytesBefore}</td><td>${r.totals.bytesAfter}</td><td></td><td>${r.totals.macsBefore}</td><td>${r.totals.macsAfter}</td></tr>
</tbody></table>
${extraHtml}</body></html>
`;
}

/** The expand-vs-direct decision as an HTML section (converter/plan/weights-placement.ts). */
export function placementHtml(p: PlacementReport): string {
  const rows = p.layers
    .map((l) => `<tr><td>${esc(l.layer)}</td><td>${l.op}</td><td>${l.choice}</td><td>${esc(l.encoding)}</td><td>${l.ramBytesExpanded}</td><td>${l.ramBytesDirect ?? '-'}</td><td>${l.flashBytesExpanded}</td><td>${l.flashBytesDirect ?? '-'}</td><td>${l.expectedRatio?.toFixed(2) ?? '-'}</td><td style="text-align:left">${esc(l.reason)}</td></tr>`)
    .join('\n');
  const budget = p.ramBudget !== undefined ? ` Budget ${p.ramBudget} B: ${p.fits ? 'fits' : 'does NOT fit'}.` : '';
  return `<h2>Weights placement: expand at load or read directly</h2>
<p>Mode ${p.mode}, ${p.isa} kernels. Model RAM (blob + expanded weights + arena) ${p.ramBytes} B.${budget}</p>
<table><thead><tr><th>layer</th><th>op</th><th>choice</th><th>encoding</th><th>RAM expanded</th><th>RAM direct</th><th>flash expanded</th><th>flash direct</th><th>direct ÷ dense latency</th><th>why</th></tr></thead>
<tbody>
${rows}
</tbody></table>
`;
}
