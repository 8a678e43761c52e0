// The compression search as a picture: every evaluated candidate as a point (stored weight bytes
// on a log x axis, validation accuracy on y), the Pareto front joined by a line, the float and
// int8 baselines and the chosen recipe marked, the accuracy budget as a dashed line. Plain SVG
// (no scripts, no fonts beyond sans-serif) so it opens anywhere; the HTML page wraps it with a
// table of the front.

export interface PlotPoint {
  id: number;
  label: string;
  phase: string;
  bytes: number;
  accuracy: number;
  latencyMs?: number;
}

export interface PlotInput {
  title: string;
  points: PlotPoint[];
  front: number[];
  floatPoint: { bytes: number; accuracy: number };
  bestId?: number;
  /** Horizontal line: the lowest accuracy the budget allows. */
  floorAccuracy?: number;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const COLOURS: Record<string, string> = { baseline: '#444', sensitivity: '#9bb7d4', search: '#e39b3b', variant: '#8d5fb3' };

export function paretoSvg(input: PlotInput): string {
  const W = 760, H = 460, L = 70, R = 20, T = 40, B = 60;
  const pts = [...input.points.map((p) => ({ bytes: p.bytes, accuracy: p.accuracy })), input.floatPoint];
  const minB = Math.min(...pts.map((p) => p.bytes)), maxB = Math.max(...pts.map((p) => p.bytes));
  const lx0 = Math.log10(minB) - 0.05, lx1 = Math.log10(maxB) + 0.05;
  const accs = pts.map((p) => p.accuracy).concat(input.floorAccuracy ?? []);
  let y0 = Math.min(...accs), y1 = Math.max(...accs);
  // Accuracy collapses of harsh candidates would squash the interesting band near the budget:
  // show 6 points below the budget line (or the float accuracy); lower points sit on the axis, hollow.
  y0 = Math.max(y0, (input.floorAccuracy ?? input.floatPoint.accuracy) - 0.06);
  if (y1 - y0 < 0.01) { y0 -= 0.005; y1 += 0.005; }
  y1 += (y1 - y0) * 0.04; // headroom: the top points are not cut by the frame
  const x = (b: number) => L + ((Math.log10(b) - lx0) / (lx1 - lx0)) * (W - L - R);
  const y = (a: number) => T + (1 - (Math.max(a, y0) - y0) / (y1 - y0)) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(input.title)}</text>`);
  // Axes and ticks.
  out.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#000"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#000"/>`);
  for (let e = Math.floor(lx0); e <= Math.ceil(lx1); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < lx0 || Math.log10(v) > lx1) continue;
      const px = x(v);
      out.push(`<line x1="${px}" y1="${H - B}" x2="${px}" y2="${H - B + 5}" stroke="#000"/><line x1="${px}" y1="${T}" x2="${px}" y2="${H - B}" stroke="#eee"/>`);
      out.push(`<text x="${px}" y="${H - B + 18}" text-anchor="middle">${v >= 1000 ? `${v / 1000}k` : v}</text>`);
    }
  }
  const step = niceStep((y1 - y0) * 100) / 100;
  for (let a = Math.ceil(y0 / step) * step; a <= y1 + 1e-9; a += step) {
    out.push(`<line x1="${L - 5}" y1="${y(a)}" x2="${L}" y2="${y(a)}" stroke="#000"/><line x1="${L}" y1="${y(a)}" x2="${W - R}" y2="${y(a)}" stroke="#eee"/>`);
    out.push(`<text x="${L - 8}" y="${y(a) + 4}" text-anchor="end">${(100 * a).toFixed(step < 0.01 ? 1 : 0)}%</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 15}" text-anchor="middle">stored weight bytes (log scale)</text>`);
  out.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">validation top-1</text>`);
  if (input.floorAccuracy !== undefined) {
    out.push(`<line x1="${L}" y1="${y(input.floorAccuracy)}" x2="${W - R}" y2="${y(input.floorAccuracy)}" stroke="#c33" stroke-dasharray="5 4"/>`);
    out.push(`<text x="${L + 6}" y="${y(input.floorAccuracy) + 14}" fill="#c33">accuracy budget</text>`);
  }
  for (const p of input.points) {
    const clipped = p.accuracy < y0;
    const c = COLOURS[p.phase] ?? '#999';
    out.push(`<circle cx="${x(p.bytes).toFixed(1)}" cy="${y(p.accuracy).toFixed(1)}" r="3.5" fill="${clipped ? 'none' : c}" stroke="${c}"><title>${esc(`${p.label}: ${p.bytes} B, ${(100 * p.accuracy).toFixed(2)}%${p.latencyMs !== undefined ? `, ${p.latencyMs.toFixed(3)} ms` : ''}`)}</title></circle>`);
  }
  const front = input.points.filter((p) => input.front.includes(p.id)).sort((a, b) => a.bytes - b.bytes);
  // The size × accuracy staircase of the front (latency-only members would zig-zag; keep the 2-D hull).
  const stair: PlotPoint[] = [];
  for (const p of front) if (stair.length === 0 || p.accuracy > stair[stair.length - 1].accuracy) stair.push(p);
  if (stair.length > 1) out.push(`<polyline fill="none" stroke="#d35400" stroke-width="1.5" points="${stair.map((p) => `${x(p.bytes).toFixed(1)},${y(p.accuracy).toFixed(1)}`).join(' ')}"/>`);
  for (const p of front) out.push(`<circle cx="${x(p.bytes).toFixed(1)}" cy="${y(p.accuracy).toFixed(1)}" r="5" fill="none" stroke="#d35400" stroke-width="1.5"/>`);
  const fp = input.floatPoint;
  out.push(`<rect x="${x(fp.bytes) - 5}" y="${y(fp.accuracy) - 5}" width="10" height="10" fill="#222"/><text x="${x(fp.bytes) - 8}" y="${y(fp.accuracy) - 8}" text-anchor="end">float32</text>`.replace(`y="${y(fp.accuracy) - 8}"`, `y="${y(fp.accuracy) + 18}"`));
  const best = input.points.find((p) => p.id === input.bestId);
  if (best) out.push(`<path d="M ${x(best.bytes)} ${y(best.accuracy) - 9} l 7 12 h -14 z" fill="#27ae60"/><text x="${x(best.bytes) + 9}" y="${y(best.accuracy) + 16}">chosen: ${best.bytes} B, ${(100 * best.accuracy).toFixed(1)}%</text>`);
  // Legend.
  const legend: [string, string][] = [['baseline', 'baselines'], ['sensitivity', 'one layer changed'], ['search', 'greedy search'], ['variant', 'binary variants']];
  // Bottom right: the front rises to the top left, so that corner stays empty.
  const lx = W - R - 250, ly = H - B - 5 * 16 - 6;
  out.push(`<rect x="${lx - 8}" y="${ly - 8}" width="250" height="${5 * 16 + 6}" fill="white" stroke="#ccc"/>`);
  legend.forEach(([k, text], i) => out.push(`<circle cx="${lx + 4}" cy="${ly + 2 + i * 16}" r="4" fill="${COLOURS[k]}"/><text x="${lx + 14}" y="${ly + 6 + i * 16}">${text}</text>`));
  out.push(`<circle cx="${lx + 4}" cy="${ly + 2 + 4 * 16}" r="5" fill="none" stroke="#d35400" stroke-width="1.5"/><text x="${lx + 14}" y="${ly + 6 + 4 * 16}">Pareto front (size, accuracy, latency)</text>`);
  out.push('</svg>');
  return out.join('\n');
}

function niceStep(range: number): number {
  const raw = range / 6;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

export function paretoHtml(input: PlotInput): string {
  const rows = input.points.filter((p) => input.front.includes(p.id)).sort((a, b) => a.bytes - b.bytes)
    .map((p) => `<tr><td>${esc(p.label)}</td><td>${p.bytes}</td><td>${(100 * p.accuracy).toFixed(2)}%</td><td>${p.latencyMs?.toFixed(3) ?? ''}</td></tr>`).join('\n');
  return `<!doctype html><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:right}td:first-child{text-align:left}</style>
<h1>${esc(input.title)}</h1>
${paretoSvg(input)}
<h2>Pareto front</h2>
<table><tr><th>candidate</th><th>stored weight bytes</th><th>validation top-1</th><th>latency (ms, median)</th></tr>
${rows}
</table>
`;
}
