// Candidate evaluation for the compression search: convert the model with a candidate's options,
// run the blob on the WASM runtime over a set of dataset samples, and time one inference. The same
// function runs in the calling thread or in node:worker_threads workers (one runtime module each),
// so both give the same accuracies by construction, and the test checks it.
//
// Worker entry: this module, when loaded in a worker started by EvalPool with workerData
// { moteEvalWorker: true, ... }, serves jobs. Under tsx/vitest the worker loads this .ts file with
// the tsx loader; in the CLI bundle it loads the bundle itself (whose main() only runs on the main
// thread).
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { convert, type ConvertOptions } from '../convert.js';
import type { TensorData } from '../ir/graph.js';
import { MoteRuntime, type MoteBuild } from '../../host/runtime.js';
import { openDataset, type Dataset } from '../../host/data/dataset.js';
import { argmax, modelInput } from '../../host/data/evaluate.js';
import { summarize } from '../../host/timing.js';

/** What a worker (or the in-thread evaluator) needs once: the model, calibration and data. */
export interface EvalSetup {
  model: Uint8Array;
  filename: string;
  calibration: TensorData[][];
  dataSpec: string;
  build?: MoteBuild;
}

/** The convert options a candidate may set (all JSON: they cross the thread boundary). */
export type CandidateOptions = Omit<ConvertOptions, 'calibration' | 'onProgress'>;

export interface EvalJob {
  options: CandidateOptions;
  /** Dataset sample indices to score. */
  indices: number[];
  /** Timed inferences (median reported); 0 skips timing. */
  latencyRuns?: number;
  /** Send the blob back. */
  wantBlob?: boolean;
}

export interface EvalOutcome {
  storedWeightBytes: number;
  blobBytes: number;
  ramWeightBytes: number;
  floatWeightBytes: number;
  correct: number;
  samples: number;
  accuracy: number;
  predictions: number[];
  /** Median ms of one inference (on sample indices[0]), when timed. */
  latencyMs?: number;
  blob?: Uint8Array;
}

/** Evaluates jobs in the calling thread. */
export class Evaluator {
  private module: WebAssembly.Module | undefined;
  private data: Dataset;
  readonly build: MoteBuild;

  constructor(private setup: EvalSetup) {
    this.data = openDataset(setup.dataSpec);
    this.build = setup.build ?? 'simd';
  }

  async run(job: EvalJob): Promise<EvalOutcome> {
    if (!this.module) {
      const { loadWasmFile } = await import('../../host/node-loader.js');
      this.module = await WebAssembly.compile((await loadWasmFile(this.build)) as BufferSource);
    }
    const r = convert(this.setup.model, this.setup.filename, { ...job.options, calibration: job.options.precision === 'int8' ? this.setup.calibration : undefined });
    const model = MoteRuntime.fromModule(this.build, this.module).load(r.blob);
    let correct = 0;
    const predictions: number[] = [];
    for (const i of job.indices) {
      const s = this.data.get(i);
      const where = `${this.data.description}, sample ${i}`;
      const p = argmax(model.run([modelInput(s.input, model.inputs[0], this.data.quant, where)])[0] as ArrayLike<number>);
      predictions.push(p);
      if (p === s.label) correct++;
    }
    let latencyMs: number | undefined;
    if ((job.latencyRuns ?? 0) > 0 && job.indices.length > 0) {
      const x = modelInput(this.data.get(job.indices[0]).input, model.inputs[0], this.data.quant, 'latency');
      model.run([x]);
      const times: number[] = [];
      for (let k = 0; k < job.latencyRuns!; k++) {
        const t0 = performance.now();
        model.run([x]);
        times.push(performance.now() - t0);
      }
      latencyMs = summarize(times).medianMs;
    }
    const rep = r.report;
    return {
      storedWeightBytes: rep.storedWeightBytes, blobBytes: rep.blobBytes, ramWeightBytes: rep.ramWeightBytes, floatWeightBytes: rep.floatWeightBytes,
      correct, samples: job.indices.length, accuracy: job.indices.length ? correct / job.indices.length : 0, predictions, latencyMs,
      blob: job.wantBlob ? r.blob : undefined,
    };
  }
}

interface WorkerRequest { id: number; job: EvalJob }
type WorkerReply = { id: number; outcome: EvalOutcome } | { id: number; error: string };

/** A pool of worker threads, each with its own Evaluator; jobs go to whichever is idle. */
export class EvalPool {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private queue: { req: WorkerRequest; resolve(o: EvalOutcome): void; reject(e: Error): void }[] = [];
  private pending = new Map<number, { resolve(o: EvalOutcome): void; reject(e: Error): void }>();
  private nextId = 0;
  private live = 0;

  constructor(setup: EvalSetup, readonly size = defaultWorkers()) {
    const entry = new URL(import.meta.url);
    const ts = entry.pathname.endsWith('.ts');
    // A .ts entry (tsx, vitest) needs the tsx loader registered inside the worker first.
    const tsxApi = ts ? pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href : '';
    const boot = ts
      ? `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`
      : `import(${JSON.stringify(entry.href)});`;
    for (let i = 0; i < size; i++) {
      const w = new Worker(boot, {
        eval: true,
        workerData: { moteEvalWorker: true, setup },
      });
      w.on('message', (m: WorkerReply) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if ('error' in m) p?.reject(new Error(m.error));
        else p?.resolve(m.outcome);
        this.release(w);
      });
      // A worker that dies (a crash in the runtime, out of memory) fails its job; when none are
      // left, everything still queued fails too instead of waiting forever.
      w.on('error', (e) => {
        this.live--;
        for (const p of this.pending.values()) p.reject(e as Error);
        this.pending.clear();
        if (this.live === 0) for (const q of this.queue.splice(0)) q.reject(new Error(`every evaluation worker stopped: ${(e as Error).message}`));
      });
      this.workers.push(w);
      this.idle.push(w);
      this.live++;
    }
  }

  run(job: EvalJob): Promise<EvalOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ req: { id: this.nextId++, job }, resolve, reject });
      this.dispatch();
    });
  }

  private release(w: Worker) {
    this.idle.push(w);
    this.dispatch();
  }

  private dispatch() {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const q = this.queue.shift()!;
      this.pending.set(q.req.id, q);
      w.postMessage(q.req);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** A pool of `workers` threads, or (workers = 0) the in-thread evaluator, behind one call. */
export interface CandidateRunner {
  run(job: EvalJob): Promise<EvalOutcome>;
  close(): Promise<void>;
}

export function makeRunner(setup: EvalSetup, workers: number): CandidateRunner {
  if (workers <= 0) {
    const ev = new Evaluator(setup);
    return { run: (job) => ev.run(job), close: async () => {} };
  }
  return new EvalPool(setup, workers);
}

// Worker side.
if (!isMainThread && (workerData as { moteEvalWorker?: boolean } | undefined)?.moteEvalWorker && parentPort) {
  const port = parentPort;
  const evaluator = new Evaluator((workerData as { setup: EvalSetup }).setup);
  port.on('message', async (m: WorkerRequest) => {
    try {
      const outcome = await evaluator.run(m.job);
      port.postMessage({ id: m.id, outcome } satisfies WorkerReply, outcome.blob ? [outcome.blob.buffer as ArrayBuffer] : []);
    } catch (e) {
      port.postMessage({ id: m.id, error: (e as Error).message } satisfies WorkerReply);
    }
  });
}
