// Markdown tables of a bench result file, for bench/README.md:
//   npx tsx bench/markdown.ts [bench/results/latest.json]
import { readFileSync } from 'node:fs';
import type { BenchResult, CaseResult } from './report.js';
import { layerTargetLines, layerTargets } from './layer-targets.js';

const ms = (c: CaseResult, engine: string) => {
  const e = c.engines.find((x) => x.engine === engine);
  if (!e || e.status === 'skipped') return '—';
  if (e.status === 'error') return `n/a (${(e.reason ?? '').slice(0, 40)})`;
  const t = e.timing!;
  return t.medianMs >= 1 ? t.medianMs.toFixed(2) : t.medianMs >= 0.01 ? t.medianMs.toFixed(3) : t.medianMs.toFixed(4);
};

const ratio = (c: CaseResult, key: string) => (c.ratios[key] === undefined ? '—' : `${c.ratios[key].toFixed(2)}×`);

// The p10 ratio beside the median one: other load on a shared machine moves medians far more than
// p10s, so a ratio whose two forms disagree is one to re-measure.
const ratioBoth = (c: CaseResult, key: string) => (c.ratios[key] === undefined ? '—' : `${ratio(c, key)} (${c.ratiosP10?.[key]?.toFixed(2) ?? '—'})`);

const peakCell = (c: CaseResult, engine: string) => {
  const e = c.engines.find((x) => x.engine === engine);
  if (!e?.gmacs) return '—';
  return `${e.gmacs.toFixed(1)} (${e.fractionOfPeak === undefined ? '—' : `${Math.round(100 * e.fractionOfPeak)}%`})`;
};

const check = (c: CaseResult) => {
  const e = c.engines.find((x) => x.engine === 'mote-simd');
  if (!e?.check) return e?.status === 'error' ? 'not available' : '—';
  if ('maxAbsDiff' in e.check) return e.check.equal ? `== ${e.check.against}` : `±${e.check.maxAbsDiff} vs ${e.check.against}`;
  return `top-1 ${e.check.top1Agrees ? 'agrees' : 'differs'} (${e.check.against})`;
};

export function markdown(r: BenchResult): string {
  const out: string[] = [];
  out.push(`Measured ${r.date.slice(0, 10)} (${r.mode} run), node ${r.machine.node} (V8 ${r.machine.v8}), ${r.machine.cpu} × ${r.machine.cores}, ${r.machine.platform}.`);
  out.push(`Peak: SIMD ${r.peak.simdGmacs.toFixed(1)} GMAC/s, scalar ${r.peak.scalarGmacs.toFixed(2)} GMAC/s.`);
  out.push('');
  out.push('Median latency, ms (single thread):');
  out.push('');
  out.push('| model | MMAC | Mote SIMD | Mote scalar | TFLite SIMD | TFLite no-SIMD | ORT-web | ORT-node | Mote SIMD ÷ TFLite SIMD (p10) | Mote scalar ÷ TFLite no-SIMD (p10) | Mote SIMD ÷ ORT-web (p10) | Mote output |');
  out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  for (const c of r.cases) {
    out.push(
      `| ${c.id} | ${c.macs ? (c.macs / 1e6).toFixed(2) : '—'} | ${ms(c, 'mote-simd')} | ${ms(c, 'mote-scalar')} | ${ms(c, 'tflite-simd')} | ${ms(c, 'tflite-nosimd')} | ${ms(c, 'ort-web')} | ${ms(c, 'ort-node')} | ${ratioBoth(c, 'mote-simd/tflite-simd')} | ${ratioBoth(c, 'mote-scalar/tflite-nosimd')} | ${ratioBoth(c, 'mote-simd/ort-web')} | ${check(c)} |`,
    );
  }
  out.push('');
  out.push('GMAC/s (fraction of the measured peak of the same ISA), and Mote facts:');
  out.push('');
  out.push('| model | Mote SIMD | Mote scalar | TFLite SIMD | TFLite no-SIMD | blob ÷ int8 weights | arena ÷ lower bound | arena + prepared (SIMD) | load+validate ÷ inference (SIMD) | convert ms |');
  out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const c of r.cases) {
    const m = c.mote;
    const kb = (n: number | undefined) => (n === undefined ? '—' : `${(n / 1024).toFixed(1)} KiB`);
    const f = (v: number | undefined, d = 2) => (v === undefined ? '—' : v.toFixed(d));
    out.push(
      `| ${c.id} | ${peakCell(c, 'mote-simd')} | ${peakCell(c, 'mote-scalar')} | ${peakCell(c, 'tflite-simd')} | ${peakCell(c, 'tflite-nosimd')} | ${m.ok ? f(m.blobOverWeights) : 'n/a'} | ${m.ok ? f(m.arenaOverLowerBound) : 'n/a'} | ${m.ok ? `${kb(m.arenaBytes)} + ${kb(m.preparedSimdBytes)}` : 'n/a'} | ${m.ok ? f(m.loadOverInference?.simd) : 'n/a'} | ${m.ok ? f(m.convertMs, 1) : `failed: ${m.error}`} |`,
    );
  }
  out.push('');
  const profiled = Object.entries(r.profiles ?? {});
  if (profiled.length) {
    out.push(`Mote per-op profile, summed by op kind (${profiled[0][1].method === 'in-model' ? 'ops timed inside whole-model runs' : 'each node timed alone as a one-node blob'}; µs, share of the summed SIMD time, GMAC/s and % of the peak):`);
    out.push('');
    out.push('| model | op | nodes | MMAC | SIMD µs | share | SIMD GMAC/s (% peak) | scalar µs | scalar GMAC/s (% peak) |');
    out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|');
    for (const [id, { rows }] of profiled) {
      const kinds = new Map<string, { n: number; macs: number; simd: number; scalar: number }>();
      for (const row of rows) {
        const k = kinds.get(row.op) ?? { n: 0, macs: 0, simd: 0, scalar: 0 };
        k.n++;
        k.macs += row.macs;
        k.simd += row.us.simd ?? 0;
        k.scalar += row.us.scalar ?? 0;
        kinds.set(row.op, k);
      }
      const total = [...kinds.values()].reduce((a, k) => a + k.simd, 0);
      const rate = (macs: number, us: number, peak: number) => (macs && us ? `${(macs / (us * 1e3)).toFixed(1)} (${Math.round((100 * macs) / (us * 1e3) / peak)}%)` : '—');
      for (const [op, k] of [...kinds.entries()].sort((a, b) => b[1].simd - a[1].simd)) {
        out.push(
          `| ${id} | ${op} | ${k.n} | ${(k.macs / 1e6).toFixed(2)} | ${k.simd.toFixed(0)} | ${total ? Math.round((100 * k.simd) / total) : 0}% | ${rate(k.macs, k.simd, r.peak.simdGmacs)} | ${k.scalar ? k.scalar.toFixed(0) : '—'} | ${rate(k.macs, k.scalar, r.peak.scalarGmacs)} |`,
        );
      }
    }
    out.push('');
    out.push('Issue 4 layer targets inside the models (SIMD build, p10 op times; conv / FC with ≥ 16 input and output channels ≥ 70 % of the peak per layer, depthwise ≥ 40 % together):');
    out.push('');
    for (const line of layerTargetLines(layerTargets(r.profiles, r.peak.simdGmacs))) out.push(`- ${line}`);
    out.push('');
  }
  const perModel = Object.entries(r.perModelRuntime ?? {});
  if (perModel.length) {
    const full = (k: string) => (typeof r.sizes[k] === 'number' ? (r.sizes[k] as number) : undefined);
    const cell = (v: number, f: number | undefined) => `${v.toLocaleString('en-US')}${f ? ` (${Math.round((100 * v) / f)}%)` : ''}`;
    out.push('Per-model runtime bytes (`mote runtime MODEL.mote`: only the ops, dtypes, kernels and decoders the model uses; % of the full build):');
    out.push('');
    out.push('| model | SIMD | scalar | links |');
    out.push('|---|--:|--:|---|');
    for (const [id, m] of perModel) out.push(`| ${id} | ${cell(m.simd, full('mote.simd.wasm'))} | ${cell(m.scalar, full('mote.scalar.wasm'))} | ${m.features} |`);
    out.push('');
  }
  if (r.timingWarnings?.length) {
    out.push('**Timing warnings** (these engines sped up or slowed down during the run: trust their p10 ratios in brackets over the medians, or re-measure):');
    out.push('');
    for (const w of r.timingWarnings) out.push(`- ${w}`);
    out.push('');
  } else if (r.timingWarnings) {
    out.push(`Every engine settled in warm-up and kept its speed through the rounds${r.otherCpuCores === undefined ? '' : `; other processes used ${r.otherCpuCores.toFixed(2)} of ${r.machine.cores} cores on average`}.`);
    out.push('');
  }
  out.push('Runtime sizes (bytes): ' + Object.entries(r.sizes).map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`).join(', ') + '.');
  return out.join('\n') + '\n';
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  const path = process.argv[2] ?? new URL('./results/latest.json', import.meta.url).pathname;
  process.stdout.write(markdown(JSON.parse(readFileSync(path, 'utf8')) as BenchResult));
}
