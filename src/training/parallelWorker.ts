// A data-parallel training worker (dataParallel.ts): its own backend and network, fed a share of
// each step's streams; it reads the weights from shared memory and writes its gradients back.

import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../engine/backend.js';
import { setNativeThreads, useKernels } from '../engine/kernels/kernels.js';
import { Rng } from '../engine/math.js';
import { Network } from '../engine/network.js';
import type { WorkerInit, WorkerReply, WorkerStep } from './dataParallel.js';

/** Test-only: with RNNLAB_FAULT_WORKER_CRASH_STEP=n, the worker dies at its n-th step (the crash test). */
const crashAt = Number(process.env.RNNLAB_FAULT_WORKER_CRASH_STEP ?? 0);

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('parallelWorker.ts runs as a worker thread');
  const init = workerData as WorkerInit;
  const reply = (r: WorkerReply) => port.postMessage(r);
  try {
    await initBackend(init.backend, { wasmDir: init.wasmDir });
    useKernels(init.kernels);
    if (init.kernels === 'native') setNativeThreads(1);
  } catch (error) {
    reply({ type: 'failed', message: `could not start: ${(error as Error).message}` });
    return;
  }
  const network = Network.fromParams(init.config, init.params);
  const weights = new Float32Array(init.sharedParams);
  const grads = new Float32Array(init.sharedGrads);
  let steps = 0;
  port.on('message', (m: WorkerStep) => {
    if (crashAt > 0 && ++steps === crashAt) throw new Error(`RNNLAB_FAULT_WORKER_CRASH_STEP=${crashAt}`);
    let off = 0;
    for (const p of network.params) {
      p.data.set(weights.subarray(off, off + p.data.length));
      off += p.data.length;
    }
    network.refresh();
    const B = m.to - m.from;
    const state = m.state ? { batch: B, layers: m.state } : null;
    const r = network.lossAndGrads(m.ids, m.targets, B, m.T, state, new Rng(m.rng), { batch: m.batch, from: m.from, to: m.to });
    off = 0;
    for (const g of r.grads) {
      grads.set(g, off);
      off += g.length;
    }
    reply({ type: 'step', loss: r.loss, count: r.count, state: r.state.layers });
  });
  reply({ type: 'ready' });
}

void main();
