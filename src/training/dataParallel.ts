// Data-parallel training steps: the batch's streams split between N engines (this thread's
// network and N − 1 worker threads, each with its own network and backend), their gradients
// summed, weighted by the targets each counted, before the one optimizer step the caller takes.
// Weights go to the workers and gradients come back through shared memory; the dropout masks
// and the Rng are those one engine over the whole batch would draw, so the result equals one
// engine's up to float summation order.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BackendName, NetworkConfig } from '../engine/config.js';
import type { LayerState } from '../engine/cells/cell.js';
import type { KernelPath } from '../engine/kernels/kernels.js';
import { setNativeThreads } from '../engine/kernels/kernels.js';
import type { Rng } from '../engine/math.js';
import type { GradResult, Network, Param, RecurrentState } from '../engine/network.js';

/** What a training step needs from its engine: one network, or several in parallel. */
export interface StepEngine {
  /** Engines working on each step (1: this thread's network alone). */
  readonly workers: number;
  /** Loss and gradients of the whole batch, as Network.lossAndGrads; `rng` advances as it would there. */
  lossAndGrads(ids: Int32Array, targets: Int32Array, B: number, T: number, state: RecurrentState | null, rng: Rng): Promise<GradResult>;
  /** Stops the worker threads (the network stays usable). */
  close(): Promise<void>;
}

export interface WorkerInit {
  config: NetworkConfig;
  params: Param[];
  backend: BackendName;
  wasmDir?: string;
  kernels: KernelPath;
  /** The weights, all parameters one after another: written by the training thread before each step. */
  sharedParams: SharedArrayBuffer;
  /** This worker's gradients, laid out like sharedParams. */
  sharedGrads: SharedArrayBuffer;
}

export interface WorkerStep {
  ids: Int32Array;
  targets: Int32Array;
  T: number;
  /** Streams from…to−1 of a batch of `batch`. */
  batch: number;
  from: number;
  to: number;
  state: LayerState[] | null;
  rng: number[];
}

export type WorkerReply = { type: 'ready' } | { type: 'step'; loss: number; count: number; state: LayerState[] } | { type: 'failed'; message: string };

export interface StepEngineOptions {
  /** Engines per step; default: the machine's cores, capped by the batch. */
  workers?: number;
  /** Streams per step: more engines than streams would idle. */
  batch: number;
  backend: BackendName;
  wasmDir?: string;
}

/** The engines a run with these options gets: the cores (or `workers`), capped by the batch. */
export function workerCount(requested: number | undefined, batch: number): number {
  if (requested !== undefined && !(Number.isInteger(requested) && requested >= 1)) throw new RangeError(`workers must be a whole number ≥ 1, got ${requested}`);
  return Math.max(1, Math.min(requested ?? availableParallelism(), batch));
}

/** One network on this thread: what a step does without workers. */
export function singleEngine(network: Network): StepEngine {
  return {
    workers: 1,
    lossAndGrads: (ids, targets, B, T, state, rng) => Promise.resolve(network.lossAndGrads(ids, targets, B, T, state, rng)),
    close: () => Promise.resolve(),
  };
}

/** The step engine of a run: `singleEngine` for one worker, else this thread and N − 1 worker threads. */
export async function startStepEngine(network: Network, options: StepEngineOptions): Promise<StepEngine> {
  const n = workerCount(options.workers, options.batch);
  if (n === 1) return singleEngine(network);
  const engine = new ParallelEngine(network, n, options);
  await engine.ready;
  return engine;
}

/** The worker script: bundled next to this code in dist/, the TypeScript source under tsx (tests). */
function workerScript(): string {
  for (const name of ['parallelWorker.js', 'parallelWorker.ts']) {
    const file = join(__dirname, name);
    if (existsSync(file)) return file;
  }
  throw new Error(`the training worker script (parallelWorker.js) is missing beside ${__dirname}`);
}

interface Pending {
  resolve: (reply: Extract<WorkerReply, { type: 'step' }>) => void;
  reject: (error: Error) => void;
}

/** Streams of a batch of B split into n near-equal contiguous shares: [from, to) each. */
export function shares(B: number, n: number): [number, number][] {
  return Array.from({ length: n }, (_, k) => [Math.floor((k * B) / n), Math.floor(((k + 1) * B) / n)]);
}

/** Rows [from, to) of each of T blocks of B rows (time-major), `width` values a row. */
function streamRows<A extends Int32Array | Float32Array>(x: A, T: number, B: number, from: number, to: number, width: number): A {
  const Bs = to - from;
  const out = new (x.constructor as { new (n: number): A })(T * Bs * width);
  for (let t = 0; t < T; t++) out.set(x.subarray((t * B + from) * width, (t * B + to) * width), t * Bs * width);
  return out;
}

class ParallelEngine implements StepEngine {
  readonly ready: Promise<void>;
  private readonly threads: Worker[] = [];
  private readonly pending: (Pending | null)[] = [];
  private readonly params: Float32Array;
  private readonly grads: Float32Array[] = [];
  private readonly offsets: number[] = [];
  private failure: Error | null = null;
  private closing = false;

  constructor(
    private readonly network: Network,
    readonly workers: number,
    options: StepEngineOptions,
  ) {
    let total = 0;
    for (const p of network.params) {
      this.offsets.push(total);
      total += p.data.length;
    }
    const sharedParams = new SharedArrayBuffer(total * 4);
    this.params = new Float32Array(sharedParams);
    this.copyParams();
    // Each engine multiplies on its own core: a BLAS thread pool each would fight over them.
    if (network.kernels.path === 'native') setNativeThreads(1);
    const script = workerScript();
    const readies: Promise<void>[] = [];
    for (let k = 1; k < workers; k++) {
      const sharedGrads = new SharedArrayBuffer(total * 4);
      this.grads.push(new Float32Array(sharedGrads));
      const init: WorkerInit = {
        config: network.config,
        params: network.params.map((p) => ({ name: p.name, shape: p.shape, data: p.data })),
        backend: options.backend,
        wasmDir: options.wasmDir,
        kernels: network.kernels.path,
        sharedParams,
        sharedGrads,
      };
      // The TypeScript source (tests under tsx) is loaded through tsx's require hook.
      const worker = script.endsWith('.ts')
        ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { eval: true, workerData: init })
        : new Worker(script, { workerData: init });
      this.threads.push(worker);
      this.pending.push(null);
      const i = k - 1;
      readies.push(
        new Promise<void>((resolve, reject) => {
          worker.on('message', (reply: WorkerReply) => {
            if (reply.type === 'ready') resolve();
            else if (reply.type === 'failed') this.fail(i, reply.message);
            else this.settle(i, reply);
          });
          worker.on('error', (error) => {
            this.fail(i, error.message);
            reject(this.failure);
          });
          worker.on('exit', (code) => {
            if (!this.closing) this.fail(i, `exited with code ${code}`);
            reject(this.failure);
          });
        }),
      );
    }
    this.ready = Promise.all(readies).then(() => undefined);
    // A failure before the first step is reported by `ready`; later ones by the step.
    this.ready.catch(() => {});
  }

  private copyParams(): void {
    this.network.params.forEach((p, k) => this.params.set(p.data, this.offsets[k]));
  }

  private fail(i: number, why: string): void {
    this.failure ??= new Error(
      `training worker ${i + 2} of ${this.workers} stopped (${why}); the run stopped without saving, so the model folder keeps its last save`,
    );
    for (const p of this.pending) p?.reject(this.failure);
    this.pending.fill(null);
  }

  private settle(i: number, reply: Extract<WorkerReply, { type: 'step' }>): void {
    const p = this.pending[i];
    this.pending[i] = null;
    p?.resolve(reply);
  }

  async lossAndGrads(ids: Int32Array, targets: Int32Array, B: number, T: number, state: RecurrentState | null, rng: Rng): Promise<GradResult> {
    if (this.failure) throw this.failure;
    const H = this.network.config.units;
    const parts = shares(B, this.workers);
    const rngState = rng.state;
    this.copyParams();
    const replies = parts.slice(1).map(([from, to], i) => {
      const step: WorkerStep = {
        ids: streamRows(ids, T, B, from, to, 1),
        targets: streamRows(targets, T, B, from, to, 1),
        T,
        batch: B,
        from,
        to,
        state: state && state.batch === B ? state.layers.map((s) => sliceState(s, from, to, H)) : null,
        rng: rngState,
      };
      return new Promise<Extract<WorkerReply, { type: 'step' }>>((resolve, reject) => {
        this.pending[i] = { resolve, reject };
        this.threads[i].postMessage(step);
      });
    });
    // This thread's share while the workers run theirs.
    const [from0, to0] = parts[0];
    const own = this.network.lossAndGrads(
      streamRows(ids, T, B, from0, to0, 1),
      streamRows(targets, T, B, from0, to0, 1),
      to0 - from0,
      T,
      state && state.batch === B ? { batch: to0 - from0, layers: state.layers.map((s) => sliceState(s, from0, to0, H)) } : null,
      rng,
      { batch: B, from: from0, to: to0 },
    );
    const others = await Promise.all(replies);
    const count = own.count + others.reduce((n, r) => n + r.count, 0);
    // Each share's gradient is of its own mean loss: weighted by its targets, they sum to the batch's.
    const w0 = count > 0 ? own.count / count : 0;
    const grads = own.grads;
    const weights = others.map((r) => (count > 0 ? r.count / count : 0));
    grads.forEach((g, k) => {
      const off = this.offsets[k];
      // One pass per worker: the first also scales this thread's own share.
      for (let j = 0; j < others.length; j++) {
        const src = this.grads[j].subarray(off, off + g.length);
        const w = weights[j];
        const scale = j === 0 ? w0 : 1;
        for (let i = 0; i < g.length; i++) g[i] = g[i] * scale + src[i] * w;
      }
    });
    const loss = count > 0 ? (own.loss * own.count + others.reduce((s, r) => s + r.loss * r.count, 0)) / count : NaN;
    const layers = own.state.layers.map((s, l) => joinStates([s, ...others.map((r) => r.state[l])], B, H, this.network.config.cell === 'lstm'));
    return { loss, count, grads, state: { batch: B, layers } };
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((t) => t.terminate()));
    if (this.network.kernels.path === 'native') setNativeThreads(0);
  }
}

/** Streams from…to−1 of a layer's state (c shared with a when the cell has no separate c). */
function sliceState(s: LayerState, from: number, to: number, H: number): LayerState {
  const a = s.a.slice(from * H, to * H);
  return { a, c: s.c === s.a ? a : s.c.slice(from * H, to * H) };
}

/** The shares' states of one layer, one after another: the whole batch's. */
function joinStates(parts: LayerState[], B: number, H: number, hasC: boolean): LayerState {
  const a = new Float32Array(B * H);
  const c = hasC ? new Float32Array(B * H) : a;
  let off = 0;
  for (const p of parts) {
    a.set(p.a, off);
    if (hasC) c.set(p.c, off);
    off += p.a.length;
  }
  return { a, c };
}
