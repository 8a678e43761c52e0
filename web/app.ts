// The `npm run demo:web` page: drop a .mote and an input, see the outputs and the per-op profile.
// It drives the same MoteEngine (and message protocol) as the React Native WebView page, with the
// runtime builds fetched from the local server instead of inlined.
import { parseProfile } from '../host/profile-format.js';
import { MoteEngine } from '../devices/react-native/webview/engine.js';
import { detectSimd } from '../devices/react-native/webview/simd.js';
import {
  bytesToBase64,
  decodeResponse,
  decodeTensor,
  encodeRequest,
  encodeTensor,
  type LoadedResponse,
  type MoteBuild,
  type MoteRequest,
  type MoteRequestBody,
  type MoteResponse,
  type MoteTypedArray,
  type TensorInfo,
} from '../devices/react-native/src/protocol.js';
import { prepareInput } from './inputs.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const modelInput = $<HTMLInputElement>('model-file');
const inputInput = $<HTMLInputElement>('input-file');
const runButton = $<HTMLButtonElement>('run');

const modules = new Map<MoteBuild, Promise<WebAssembly.Module>>();
const simd = detectSimd();
function loadModule(b: MoteBuild): Promise<WebAssembly.Module> {
  let m = modules.get(b);
  if (!m) {
    m = fetch(`/mote.${b}.wasm`).then((r) => {
      if (!r.ok) throw new Error(`/mote.${b}.wasm: HTTP ${r.status}`);
      return WebAssembly.compileStreaming(r);
    });
    modules.set(b, m);
  }
  return m;
}
const engine = new MoteEngine({
  module: loadModule,
  simd,
  host: 'browser',
  device: navigator.userAgent,
});

let nextId = 1;
async function call(req: MoteRequestBody): Promise<MoteResponse> {
  const r = decodeResponse(await engine.handle(encodeRequest({ ...req, id: nextId++ } as MoteRequest)));
  if (r.type === 'error') throw new Error(`${r.code}: ${r.message}`);
  return r;
}

let model: LoadedResponse | undefined;
let modelName = '';
let inputFiles: File[] = [];

function say(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

const fmt = (t: TensorInfo) => `${t.name}: ${t.dtype}[${t.shape.join(', ')}]${t.scale ? ` (scale ${t.scale.toPrecision(4)}, zero point ${t.zeroPoint})` : ''}`;

function el(tag: string, props: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

async function loadModel(file: File): Promise<void> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const build = ($<HTMLSelectElement>('build').value || 'auto') as 'auto' | MoteBuild;
  if (model) await call({ type: 'unload', handle: model.handle }).catch(() => {});
  model = undefined;
  runButton.disabled = true;
  $('result').hidden = true;
  const r = await call({ type: 'load', blob: bytesToBase64(bytes), name: file.name, handle: 'demo', build });
  model = r as LoadedResponse;
  modelName = file.name;
  const info = $('model-info');
  info.replaceChildren(
    el('p', {}, `${file.name} — ${bytes.length.toLocaleString()} bytes, ${model.build} build`),
    el('p', {}, 'Inputs: ', ...model.inputs.map((t) => el('code', {}, fmt(t)))),
    el('p', {}, 'Outputs: ', ...model.outputs.map((t) => el('code', {}, fmt(t)))),
  );
  $('model').hidden = false;
  runButton.disabled = false;
}

function labelsOf(meta: Record<string, unknown>): string[] | undefined {
  const l = meta.labels;
  return Array.isArray(l) && l.every((x) => typeof x === 'string') ? (l as string[]) : undefined;
}

function showOutputs(outs: MoteTypedArray[]): void {
  const labels = labelsOf(model!.meta);
  $('outputs').replaceChildren(
    ...outs.map((data, i) => {
      const info = model!.outputs[i];
      const real = Array.from(data as ArrayLike<number>, (q) => (info.dtype !== 'f32' && info.scale > 0 ? info.scale * (q - info.zeroPoint) : q));
      let best = 0;
      for (let k = 1; k < real.length; k++) if (real[k] > real[best]) best = k;
      const shown = real.slice(0, 64).map((v, k) => {
        const s = Number.isInteger(v) ? String(v) : v.toPrecision(5);
        return k === best ? el('span', { class: 'top' }, s) : s;
      });
      const values = el('div', { class: 'values' });
      shown.forEach((s, k) => values.append(k ? ', ' : '', s));
      if (real.length > 64) values.append(`, … (${real.length} values)`);
      const top = `argmax ${best}${labels?.[best] ? ` (${labels[best]})` : ''} = ${real[best].toPrecision(5)}`;
      const raw = info.dtype !== 'f32' ? el('div', { class: 'values' }, `raw ${info.dtype}: ${Array.from(data as ArrayLike<number>).slice(0, 64).join(', ')}`) : '';
      return el('div', { class: 'output', 'data-output': String(i) }, el('p', {}, el('code', {}, fmt(info)), ` — ${top}`), values, raw);
    }),
  );
}

function showProfile(jsonl: string): void {
  const profile = parseProfile(jsonl);
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  // Per-op interquartile means: browser clocks tick in steps (5 µs cross-origin isolated, 100 µs
  // otherwise) and a mean over runs resolves ops shorter than a step, where a median would round them
  // to 0 or 1 step; dropping the top and bottom quarter keeps the first runs (before the engine's
  // optimizing tier) and other outliers out.
  const trimmedMean = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    const cut = Math.floor(s.length / 4);
    const kept = s.slice(cut, s.length - cut);
    return kept.reduce((a, b) => a + b, 0) / kept.length;
  };
  const ops = profile.runs[0].ops.map((op, i) => ({ ...op, t_us: trimmedMean(profile.runs.map((r) => r.ops[i].t_us)) }));
  const total = median(profile.runs.map((r) => r.run.t_us));
  const sum = ops.reduce((s, o) => s + o.t_us, 0) || 1;
  const max = Math.max(...ops.map((o) => o.t_us), 1e-9);
  const tick = self.crossOriginIsolated ? '5 µs' : '100 µs';
  $('profile-summary').textContent =
    `${profile.runs.length} run(s), ${profile.runs[0].run.build} build: median ${(total / 1000).toFixed(3)} ms per inference, ${ops.length} ops ` +
    `(op times are interquartile means over the runs; this browser's clock ticks in about ${tick} steps).`;
  const head = el('tr', {}, ...['#', 'op', 'name', 'µs (IQ mean)', 'share', 'MACs', ''].map((h, k) => el('th', k === 3 || k === 4 || k === 5 ? { class: 'num' } : {}, h)));
  const rows = ops.map((o) =>
    el(
      'tr',
      {},
      el('td', {}, String(o.index)),
      el('td', {}, o.op),
      el('td', {}, o.name),
      el('td', { class: 'num' }, o.t_us.toFixed(1)),
      el('td', { class: 'num' }, `${((100 * o.t_us) / sum).toFixed(1)} %`),
      el('td', { class: 'num' }, o.macs !== undefined ? o.macs.toLocaleString() : '—'),
      el('td', { style: 'width:30%' }, el('div', { class: 'bar', style: `width:${((100 * o.t_us) / max).toFixed(1)}%` })),
    ),
  );
  $('profile').replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
  const link = $<HTMLAnchorElement>('profile-download');
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([jsonl], { type: 'application/jsonl' }));
}

async function run(): Promise<void> {
  if (!model) throw new Error('drop a .mote model first');
  const want = model.inputs;
  if (inputFiles.length < want.length) {
    throw new Error(`the model takes ${want.length} input(s): ${want.map(fmt).join('; ')}. Drop ${want.length === 1 ? 'an input file' : `${want.length} input files (in order)`} (.npy, or raw bytes).`);
  }
  const prepared = await Promise.all(want.map(async (info, i) => prepareInput(inputFiles[i].name, new Uint8Array(await inputFiles[i].arrayBuffer()), info, i)));
  const runs = Math.max(1, Math.min(100, Number($<HTMLInputElement>('runs').value) || 1));
  const r = await call({ type: 'profile', handle: model.handle, inputs: prepared.map((p, i) => encodeTensor(p.data, want[i].shape)), runs });
  if (r.type !== 'profile') throw new Error(`unexpected response ${r.type}`);
  showOutputs(r.outputs.map((o, i) => decodeTensor(o, `output ${i}`)));
  showProfile(r.jsonl);
  $('result').hidden = false;
  say(`Ran ${modelName} on ${prepared.map((p, i) => `${inputFiles[i].name} (${p.note})`).join(', ')}.`);
}

function guard(f: () => Promise<void>): void {
  f().catch((e: Error) => say(e.message, true));
}

async function takeFiles(files: File[]): Promise<void> {
  const moteFile = files.find((f) => f.name.toLowerCase().endsWith('.mote'));
  const others = files.filter((f) => f !== moteFile);
  if (others.length) inputFiles = others;
  if (moteFile) {
    say(`Loading ${moteFile.name}…`);
    await loadModel(moteFile);
    say(`Loaded ${moteFile.name}.${inputFiles.length ? '' : ' Now drop an input.'}`);
  }
  if (model && inputFiles.length >= model.inputs.length) await run();
}

modelInput.addEventListener('change', () => guard(() => takeFiles(Array.from(modelInput.files ?? []))));
inputInput.addEventListener('change', () => guard(() => takeFiles(Array.from(inputInput.files ?? []))));
runButton.addEventListener('click', () => guard(run));
document.addEventListener('dragover', (e) => {
  e.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  guard(() => takeFiles(Array.from(e.dataTransfer?.files ?? [])));
});

guard(async () => {
  await loadModule(simd ? 'simd' : 'scalar');
  say(`Ready (${simd ? 'WebAssembly SIMD' : 'no SIMD: scalar build'}). Drop a .mote model and an input.`);
});
