// Per-op profiles (docs/PROFILE.md) as people read them: a summary (per-op median time, share of
// the run, MACs, GMAC/s), a text table sorted by time, and an SVG timeline of one run. No node:
// imports, so the browser demo can render the same way as `mote profile`.
import { quantile } from './timing.js';
import { ProfileFormatError, type Profile, type ProfileRun } from './profile-format.js';

export interface OpSummary {
  /** Position in the blob's schedule. */
  index: number;
  op: string;
  name: string;
  /** Median / p10 / p90 of this op's time over the runs that timed ops, µs. */
  medianUs: number;
  p10Us: number;
  p90Us: number;
  /** medianUs as a percentage of the sum of all ops' medians (the shares add up to 100). */
  share: number;
  /** Multiply-accumulates (undefined when neither the blob nor the profile gives them). */
  macs?: number;
  /** macs / medianUs in 1e9 MAC/s (undefined without MACs or when the clock read 0 µs). */
  gmacPerSecond?: number;
}

export interface OpTypeSummary {
  op: string;
  count: number;
  /** Sum of the medians of this type's ops, µs. */
  us: number;
  share: number;
  macs?: number;
  gmacPerSecond?: number;
}

/** One run laid out on a time axis: ops end to end in schedule order, from that run's own times. */
export interface Timeline {
  /** The run's number in the profile. */
  run: number;
  /** The run's own total (host clock around the whole inference), µs. */
  totalUs: number;
  bars: { index: number; op: string; name: string; startUs: number; us: number }[];
}

export interface ProfileSummary {
  model: string;
  build: string;
  host: string;
  device?: string;
  /** Runs in the profile, and how many of them timed each op. */
  runs: number;
  opRuns: number;
  /** Whole-run time over all runs, µs. */
  run: { medianUs: number; p10Us: number; p90Us: number };
  /** Ops in schedule order (empty when the host timed whole runs only). */
  ops: OpSummary[];
  byType: OpTypeSummary[];
  /** Sum of the ops' medians, µs. */
  opSumUs: number;
  totalMacs?: number;
  /** totalMacs over the median run time, 1e9 MAC/s. */
  gmacPerSecond?: number;
  /** The run whose total is the median (ops end to end), for the SVG; undefined without op records. */
  timeline?: Timeline;
  warnings: string[];
}

export interface SummarizeOptions {
  /** MACs per schedule index (e.g. from the blob); fills in what the profile's op records lack. */
  macs?: number[];
}

function sortedStats(values: number[]): { medianUs: number; p10Us: number; p90Us: number } {
  const s = [...values].sort((a, b) => a - b);
  return { medianUs: quantile(s, 0.5), p10Us: quantile(s, 0.1), p90Us: quantile(s, 0.9) };
}

/** MACs per µs → GMAC/s; undefined when it would be a division by a zero clock reading. */
function gmacs(macs: number | undefined, us: number): number | undefined {
  return macs !== undefined && us > 0 ? macs / us / 1e3 : undefined;
}

/** Runs must come from one model and build, and time the same schedule, or medians mix apples and pears. */
function checkConsistent(runs: ProfileRun[]): ProfileRun[] {
  const first = runs[0];
  for (const r of runs) {
    for (const key of ['model', 'build', 'host'] as const) {
      if (r.run[key] !== first.run[key]) {
        throw new ProfileFormatError(
          `run ${r.run.run} has ${key} "${r.run[key]}" but run ${first.run.run} (line ${first.line}) has "${first.run[key]}"; profile one model, build and host per file`,
          r.line,
        );
      }
    }
  }
  const timed = runs.filter((r) => r.ops.length > 0);
  const ref = timed[0];
  for (const r of timed) {
    if (r.ops.length !== ref.ops.length) {
      throw new ProfileFormatError(`run ${r.run.run} has ${r.ops.length} op records, run ${ref.run.run} (line ${ref.line}) has ${ref.ops.length}`, r.line);
    }
    r.ops.forEach((o, i) => {
      if (o.op !== ref.ops[i].op) {
        throw new ProfileFormatError(`run ${r.run.run}: op ${i} is "${o.op}" but "${ref.ops[i].op}" in run ${ref.run.run} (line ${ref.line})`, r.line);
      }
    });
  }
  return timed;
}

export function summarizeProfile(profile: Profile, opts: SummarizeOptions = {}): ProfileSummary {
  const runs = profile.runs;
  const timed = checkConsistent(runs);
  const first = runs[0].run;
  const run = sortedStats(runs.map((r) => r.run.t_us));

  const ops: OpSummary[] = [];
  if (timed.length > 0) {
    const ref = timed[0].ops;
    ref.forEach((o, i) => {
      const stats = sortedStats(timed.map((r) => r.ops[i].t_us));
      const macs = opts.macs?.[i] ?? timed.find((r) => r.ops[i].macs !== undefined)?.ops[i].macs;
      ops.push({ index: i, op: o.op, name: o.name, ...stats, share: 0, macs, gmacPerSecond: gmacs(macs, stats.medianUs) });
    });
  }
  const opSumUs = ops.reduce((s, o) => s + o.medianUs, 0);
  for (const o of ops) o.share = opSumUs > 0 ? (o.medianUs / opSumUs) * 100 : 100 / ops.length;

  const types = new Map<string, OpTypeSummary>();
  for (const o of ops) {
    const t = types.get(o.op) ?? { op: o.op, count: 0, us: 0, share: 0, macs: 0 };
    t.count++;
    t.us += o.medianUs;
    t.share += o.share;
    t.macs = t.macs === undefined || o.macs === undefined ? undefined : t.macs + o.macs;
    types.set(o.op, t);
  }
  const byType = [...types.values()].sort((a, b) => b.us - a.us || a.op.localeCompare(b.op));
  for (const t of byType) t.gmacPerSecond = gmacs(t.macs, t.us);

  const totalMacs = ops.length > 0 && ops.every((o) => o.macs !== undefined) ? ops.reduce((s, o) => s + o.macs!, 0) : undefined;
  return {
    model: first.model,
    build: first.build,
    host: first.host,
    device: first.device,
    runs: runs.length,
    opRuns: timed.length,
    run,
    ops,
    byType,
    opSumUs,
    totalMacs,
    gmacPerSecond: gmacs(totalMacs, run.medianUs),
    timeline: timed.length > 0 ? medianTimeline(timed) : undefined,
    warnings: [...profile.warnings],
  };
}

/** The run whose total is the median (the lower one of the middle two), its ops end to end. */
function medianTimeline(timed: ProfileRun[]): Timeline {
  const byTotal = [...timed].sort((a, b) => a.run.t_us - b.run.t_us);
  const r = byTotal[(byTotal.length - 1) >> 1];
  let t = 0;
  const bars = r.ops.map((o) => {
    const bar = { index: o.index, op: o.op, name: o.name, startUs: t, us: o.t_us };
    t += o.t_us;
    return bar;
  });
  return { run: r.run.run, totalUs: r.run.t_us, bars };
}

// ---------------------------------------------------------------------------------------------
// Text

/** µs with precision that suits its size: 0.84, 12.3, 1,234. */
export function formatUs(us: number): string {
  if (us < 10) return us.toFixed(2);
  if (us < 1000) return us.toFixed(1);
  return Math.round(us).toLocaleString('en-US');
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const opt = (v: number | undefined, f: (v: number) => string) => (v === undefined ? '-' : f(v));

function textTable(head: string[], rows: string[][], right: boolean[]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => (right[c] ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The per-op table sorted by time (slowest first), the by-type table and the totals. */
export function renderTable(s: ProfileSummary): string {
  const out: string[] = [];
  const device = s.device ? `, ${s.device}` : '';
  out.push(`${s.model}: ${s.build} build on ${s.host}${device}, ${s.runs} run${s.runs === 1 ? '' : 's'}`);
  if (s.ops.length === 0) {
    out.push('no per-op records (the host timed whole runs only)');
  } else {
    const sorted = [...s.ops].sort((a, b) => b.medianUs - a.medianUs || a.index - b.index);
    out.push('');
    out.push(
      textTable(
        ['#', 'op', 'name', 'median µs', 'share', 'MACs', 'GMAC/s'],
        sorted.map((o) => [
          String(o.index),
          o.op,
          o.name,
          formatUs(o.medianUs),
          `${o.share.toFixed(1)}%`,
          opt(o.macs, count),
          opt(o.gmacPerSecond, (g) => g.toFixed(2)),
        ]),
        [true, false, false, true, true, true, true],
      ),
    );
    out.push('');
    out.push(
      textTable(
        ['op type', 'count', 'µs', 'share', 'MACs', 'GMAC/s'],
        s.byType.map((t) => [t.op, String(t.count), formatUs(t.us), `${t.share.toFixed(1)}%`, opt(t.macs, count), opt(t.gmacPerSecond, (g) => g.toFixed(2))]),
        [false, true, true, true, true, true],
      ),
    );
  }
  out.push('');
  if (s.ops.length > 0) out.push(`ops: ${s.ops.length}, sum of op medians ${formatUs(s.opSumUs)} µs (over ${s.opRuns} timed run${s.opRuns === 1 ? '' : 's'})`);
  out.push(`run: median ${formatUs(s.run.medianUs)} µs, p10 ${formatUs(s.run.p10Us)}, p90 ${formatUs(s.run.p90Us)}`);
  if (s.totalMacs !== undefined) out.push(`MACs: ${count(s.totalMacs)}${s.gmacPerSecond !== undefined ? `, ${s.gmacPerSecond.toFixed(2)} GMAC/s over the median run` : ''}`);
  for (const w of s.warnings) out.push(`warning: ${w}`);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// SVG timeline: one row per op (schedule order top to bottom), each bar placed at its start time in
// the median run, so both the order and where the time goes read at a glance.

// Fixed colours for the common op kinds (stable across models); others take the spare palette.
const OP_COLOURS: Record<string, string> = {
  conv2d: '#3b6fd6',
  depthwise_conv2d: '#17a2a2',
  fully_connected: '#e07b22',
  matmul: '#c9582b',
  average_pool2d: '#4f9d3a',
  max_pool2d: '#7cb342',
  mean: '#8d6e63',
  add: '#8e5cc7',
  sub: '#b084d9',
  mul: '#c2185b',
  softmax: '#d4a017',
  quantize: '#9e9e9e',
  dequantize: '#757575',
  requantize: '#bdbdbd',
  reshape: '#cfd8dc',
  copy: '#b0bec5',
};
const SPARE = ['#e53935', '#00897b', '#5e35b1', '#fb8c00', '#43a047', '#6d4c41', '#1e88e5', '#d81b60', '#546e7a', '#c0ca33'];

function colourMap(ops: string[]): Map<string, string> {
  const m = new Map<string, string>();
  let spare = 0;
  for (const op of ops) if (!m.has(op)) m.set(op, OP_COLOURS[op] ?? SPARE[spare++ % SPARE.length]);
  return m;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Tick spacing of 1, 2 or 5 × 10^k giving about `target` intervals over `range`. */
function niceStep(range: number, target: number): number {
  const raw = range / target;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

const n1 = (v: number) => (Math.round(v * 10) / 10).toString();

/** A tick value with as many decimals as the (1, 2 or 5 × 10^k) step needs: 0, 0.5, 1.0 or 0, 200, 400. */
function tickLabel(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}

/** The timeline as a standalone SVG document. Throws when the summary has no per-op times. */
export function renderSvg(s: ProfileSummary): string {
  const tl = s.timeline;
  if (!tl) throw new Error('the profile has no per-op records, so there is no timeline to draw');
  const rowH = 18;
  const barH = 12;
  const width = 1000;
  const labels = tl.bars.map((b) => truncate(`${b.index} ${b.op}${b.name ? ' ' + b.name : ''}`, 44));
  const labelW = Math.min(300, Math.max(140, Math.max(...labels.map((l) => l.length)) * 6.6 + 16));
  const plotX = labelW;
  const plotW = width - labelW - 80; // room on the right for the last bar's duration
  const top = 52;
  const plotH = tl.bars.length * rowH;
  const opEnd = tl.bars.length > 0 ? tl.bars[tl.bars.length - 1].startUs + tl.bars[tl.bars.length - 1].us : 0;
  const span = Math.max(opEnd, tl.totalUs, 1e-3);
  const step = niceStep(span, 8);
  const axisEnd = Math.ceil(span / step - 1e-9) * step;
  const x = (us: number) => plotX + (us / axisEnd) * plotW;
  const colours = colourMap(tl.bars.map((b) => b.op));
  const legendTypes = s.byType.map((t) => t.op).filter((op) => colours.has(op));
  const legendCols = 4;
  const legendRows = Math.ceil(legendTypes.length / legendCols);
  const axisY = top + plotH;
  const height = axisY + 44 + legendRows * 18 + 10;

  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  o.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  const device = s.device ? `, ${s.device}` : '';
  o.push(`<text x="10" y="20" font-size="14" font-weight="bold">${esc(`${s.model}: per-op timeline (${s.build} build on ${s.host}${device})`)}</text>`);
  o.push(
    `<text x="10" y="38" fill="#555">${esc(
      `run ${tl.run}, the median of ${s.opRuns} timed run${s.opRuns === 1 ? '' : 's'}: ${formatUs(tl.totalUs)} µs total, ops end to end ${formatUs(opEnd)} µs`,
    )}</text>`,
  );
  // Grid and axis.
  o.push('<g class="axis" stroke="#e3e3e3">');
  for (let t = 0; t <= axisEnd + step / 2; t += step) o.push(`<line x1="${n1(x(t))}" y1="${top - 4}" x2="${n1(x(t))}" y2="${axisY}"/>`);
  o.push('</g>');
  o.push(`<line x1="${plotX}" y1="${axisY}" x2="${n1(x(axisEnd))}" y2="${axisY}" stroke="#333"/>`);
  o.push('<g class="ticks" text-anchor="middle" fill="#333">');
  for (let t = 0; t <= axisEnd + step / 2; t += step) {
    o.push(`<line x1="${n1(x(t))}" y1="${axisY}" x2="${n1(x(t))}" y2="${axisY + 4}" stroke="#333"/>`);
    o.push(`<text x="${n1(x(t))}" y="${axisY + 16}">${esc(tickLabel(t, step))}</text>`);
  }
  o.push('</g>');
  o.push(`<text x="${n1(x(axisEnd / 2))}" y="${axisY + 32}" text-anchor="middle" fill="#333">time in the run (µs)</text>`);
  // The run's own total, when the host's overhead between ops makes it longer than the ops.
  if (tl.totalUs > opEnd * 1.001) {
    o.push(`<line x1="${n1(x(tl.totalUs))}" y1="${top - 4}" x2="${n1(x(tl.totalUs))}" y2="${axisY}" stroke="#d32f2f" stroke-dasharray="4 3"/>`);
    o.push(`<text x="${n1(x(tl.totalUs) - 4)}" y="${top - 8}" text-anchor="end" fill="#d32f2f">run total ${esc(formatUs(tl.totalUs))}</text>`);
  }
  // One row per op.
  o.push('<g class="ops">');
  tl.bars.forEach((b, i) => {
    const y = top + i * rowH;
    const share = s.ops[b.index]?.share;
    if (i % 2 === 1) o.push(`<rect x="0" y="${y}" width="${width}" height="${rowH}" fill="#000" fill-opacity="0.03"/>`);
    o.push(`<text x="${plotX - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(labels[i])}</text>`);
    const bx = x(b.startUs);
    const bw = Math.max(1, x(b.startUs + b.us) - bx);
    const tip = `${b.index} ${b.op}${b.name ? ` '${b.name}'` : ''}: ${formatUs(b.us)} µs, starts at ${formatUs(b.startUs)} µs${share !== undefined ? `, ${share.toFixed(1)}% of the ops (median)` : ''}`;
    o.push(
      `<rect class="op" data-index="${b.index}" data-op="${esc(b.op)}" x="${n1(bx)}" y="${y + (rowH - barH) / 2}" width="${n1(bw)}" height="${barH}" fill="${colours.get(b.op)}"><title>${esc(tip)}</title></rect>`,
    );
    o.push(`<text x="${n1(bx + bw + 4)}" y="${y + rowH / 2 + 4}" fill="#444">${esc(formatUs(b.us))}</text>`);
  });
  o.push('</g>');
  // Legend: op types by total time, with their share.
  o.push('<g class="legend">');
  legendTypes.forEach((op, k) => {
    const t = s.byType.find((b) => b.op === op)!;
    const lx = 10 + (k % legendCols) * 245;
    const ly = axisY + 46 + Math.floor(k / legendCols) * 18;
    o.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${colours.get(op)}"/>`);
    o.push(`<text x="${lx + 18}" y="${ly}">${esc(`${op} ×${t.count}: ${t.share.toFixed(1)}%`)}</text>`);
  });
  o.push('</g>');
  o.push('</svg>');
  return o.join('\n') + '\n';
}
