// Data-parallel training (training/dataParallel.ts): the batch's streams split between this
// thread and worker threads give the losses of one engine to 1e-5 over 100 steps, resume exactly,
// and a crashed worker stops the run with a message, leaving the saved model as it was.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { KernelPath } from '../../src/engine/kernels/kernels.js';
import { kernelInfo, useKernels } from '../../src/engine/kernels/kernels.js';
import type { TrainOptions } from '../../src/training/config.js';
import type { StartEvent, StepEvent, TrainerEvent } from '../../src/training/events.js';
import { shares, workerCount } from '../../src/training/dataParallel.js';
import { loadModelFolder } from '../../src/training/checkpoint.js';
import { train } from '../../src/training/trainer.js';
import { checkWorkerToHost } from '../../src/protocol/worker.js';
import { wasmDir } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-parallel-'));
after(() => {
  useKernels('auto');
  rmSync(root, { recursive: true, force: true });
});

const TEXT = Array.from({ length: 400 }, (_, i) => `line ${i % 23}: the quick brown fox ${i % 3 ? 'jumps' : 'naps'} over ${i % 7} dogs.\n`).join('');
const SMALL: TrainOptions = {
  units: 12,
  layers: 2,
  dropout: 0.2,
  recurrentDropout: 0.3,
  weightDrop: 0.2,
  seqLen: 10,
  batch: 5,
  evalEvery: 1000,
  sampleEvery: 0,
  checkpointEvery: 1000,
  backend: 'cpu',
  lr: 0.01,
};

async function run(dir: string, options: TrainOptions, workers: number, extra: Partial<Parameters<typeof train>[0]> = {}) {
  const events: TrainerEvent[] = [];
  const done = await train({ text: TEXT, modelDir: dir, options, wasmDir, workers, ...extra, onEvent: (e) => events.push(e) });
  const start = events.find((e): e is StartEvent => e.event === 'start');
  return { done, start, losses: events.filter((e): e is StepEvent => e.event === 'step').map((e) => e.loss) };
}

function closeLosses(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((l, i) => assert.ok(Math.abs(actual[i] - l) <= 1e-5 * Math.max(1, Math.abs(l)), `step ${i + 1}: ${actual[i]} vs one engine's ${l}`));
}

describe('data-parallel training', () => {
  test('the batch splits into near-equal contiguous shares; workers default to the cores, capped by the batch', () => {
    assert.deepEqual(shares(5, 2), [
      [0, 2],
      [2, 5],
    ]);
    assert.deepEqual(shares(16, 3), [
      [0, 5],
      [5, 10],
      [10, 16],
    ]);
    assert.equal(workerCount(undefined, 64), Math.min(availableParallelism(), 64));
    assert.equal(workerCount(undefined, 1), 1);
    assert.equal(workerCount(4, 3), 3);
    assert.throws(() => workerCount(0, 8), /workers must be a whole number ≥ 1, got 0/);
  });

  const paths: KernelPath[] = kernelInfo().path === 'native' ? ['portable', 'native'] : ['portable'];
  if (paths.length === 1) console.log(`# native kernels not tested with workers: ${kernelInfo().reason}`);
  for (const path of paths) {
    test(`${path} kernels, cpu backend: 100 steps on 3 engines equal one engine to 1e-5 (dropout, recurrent dropout and weight drop on)`, async () => {
      useKernels(path);
      const one = await run(join(root, `${path}-one`), { ...SMALL, steps: 100 }, 1);
      const three = await run(join(root, `${path}-three`), { ...SMALL, steps: 100 }, 3);
      assert.deepEqual(one.start?.compute, { kernels: path, workers: 1 });
      assert.deepEqual(three.start?.compute, { kernels: path, workers: 3 });
      // The start event's compute field crosses to the extension host and is checked there.
      assert.ok(checkWorkerToHost({ type: 'event', event: three.start }).ok);
      const bad = checkWorkerToHost({ type: 'event', event: { ...three.start, compute: { kernels: 'fast', workers: 3 } } });
      assert.ok(!bad.ok && /bad compute/.test(bad.error), JSON.stringify(bad));
      closeLosses(three.losses, one.losses);
      assert.ok(three.losses[99] < three.losses[0] - 0.5, `it learns: ${three.losses[0]} → ${three.losses[99]}`);
      const [a, b] = [one, three].map((r) => loadModelFolder(r.done.modelDir).params);
      a.forEach((p, k) => p.data.forEach((v, i) => assert.ok(Math.abs(v - b[k].data[i]) <= 1e-4, `${p.name}[${i}] ${b[k].data[i]} vs ${v}`)));
    });
  }

  test('2 engines: N steps, stop, resume N more equals 2N in one go exactly', async () => {
    useKernels('auto');
    const whole = await run(join(root, 'whole'), { ...SMALL, steps: 12 }, 2);
    const controller = new AbortController();
    const dir = join(root, 'halves');
    const events: TrainerEvent[] = [];
    await train({
      text: TEXT,
      modelDir: dir,
      options: { ...SMALL, steps: 12 },
      wasmDir,
      workers: 2,
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.event === 'step' && e.step === 6) controller.abort();
      },
    });
    const rest = await run(dir, {}, 2, { resume: true });
    const halves = [...events.filter((e): e is StepEvent => e.event === 'step').map((e) => e.loss), ...rest.losses];
    assert.deepEqual(halves, whole.losses);
    const [a, b] = [whole.done.modelDir, dir].map((d) => loadModelFolder(d).params);
    a.forEach((p, k) => assert.deepEqual(b[k].data, p.data, p.name));
  });

  test('a crashed worker stops the run with a message and the saved model is left as it was', async () => {
    useKernels('auto');
    const dir = join(root, 'crash');
    await run(dir, { ...SMALL, steps: 3 }, 2);
    const snapshot = () =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => statSync(join(dir, f)).isFile())
        .sort()
        .map((f) => [f, statSync(join(dir, f)).mtimeMs, readFileSync(join(dir, f)).toString('base64')]);
    const before = snapshot();
    process.env.RNNLAB_FAULT_WORKER_CRASH_STEP = '2';
    try {
      await assert.rejects(
        run(dir, { steps: 5 }, 2, { resume: true }),
        /^Error: training worker 2 of 2 stopped \(RNNLAB_FAULT_WORKER_CRASH_STEP=2\); the run stopped without saving, so the model folder keeps its last save$/,
      );
    } finally {
      delete process.env.RNNLAB_FAULT_WORKER_CRASH_STEP;
    }
    assert.deepEqual(snapshot(), before);
  });
});
