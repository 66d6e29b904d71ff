// Progress and ETA are per run: a continued model's step events carry its whole history's time,
// and a run of 45 s on a model that trained 75 s before goes 0 → 45 s of 45 s, not 75 s → 120 s.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { formatDuration, runProgress } from '../../src/protocol/runProgress.js';
import type { StartEvent, StepEvent } from '../../src/training/events.js';
import { train } from '../../src/training/trainer.js';
import { wasmDir } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-run-progress-'));
after(() => rmSync(root, { recursive: true, force: true }));

const TEXT = Array.from({ length: 120 }, (_, i) => `row ${i % 7}: the lazy dog ${i % 2 ? 'sleeps' : 'runs'}.\n`).join('');
const BASE = { units: 8, layers: 1, seqLen: 8, batch: 2, evalEvery: 1000, sampleEvery: 0, checkpointEvery: 1000, backend: 'cpu' } as const;

/** One run on the test's clock, each step taking stepMs. */
async function run(dir: string, options: Record<string, unknown>, resume: boolean, stepMs: number): Promise<{ start: StartEvent; steps: StepEvent[] }> {
  let t = 0;
  let start: StartEvent | null = null;
  const steps: StepEvent[] = [];
  await train({ text: TEXT, modelDir: dir, options: { ...BASE, ...options }, resume, wasmDir, minSaveIntervalMs: 0, now: () => t, onEvent: (e) => {
    if (e.event === 'start') start = e;
    if (e.event === 'step') {
      steps.push(e);
      t += stepMs;
    }
  } });
  assert.ok(start);
  return { start, steps };
}

test('a continued run with a minutes budget counts its own time, from 0 to the budget', async () => {
  const dir = join(root, 'minutes');
  await run(dir, { steps: 15 }, false, 5_000); // 75 s of training before
  const { start, steps } = await run(dir, { minutes: 0.75 }, true, 1_000); // 45 s now
  assert.equal(start.startElapsedMs, 75_000);
  assert.equal(steps[0]!.elapsedMs, 75_000, 'step events still carry the model\'s whole time (the chart plots it)');
  const first = runProgress(start, steps[0]!);
  assert.equal(first.runMs, 0);
  assert.equal(first.fraction, 0);
  assert.equal(first.etaMs, 45_000);
  const last = runProgress(start, steps.at(-1)!);
  assert.equal(last.runMs, 44_000);
  assert.ok(Math.abs(last.fraction! - 44 / 45) < 1e-9, `fraction ${last.fraction}`);
  assert.equal(`${formatDuration(last.runMs)} of ${formatDuration(last.budgetMs!)}`, '44s of 45s');
});

test('a continued run with a steps budget counts its own steps, and its ETA from its own pace', async () => {
  const dir = join(root, 'steps');
  await run(dir, { steps: 10 }, false, 9_000);
  const { start, steps } = await run(dir, { steps: 20 }, true, 500);
  assert.equal(start.startStep, 10);
  const mid = runProgress(start, steps[9]!); // step 20: 10 of 20 steps
  assert.equal(mid.fraction, 0.5);
  assert.equal(mid.runMs, 4_500, 'this run\'s 4.5 s, not the 90 s before it');
  assert.equal(mid.etaMs, mid.runMs, 'halfway: as long again');
});
