// A paused run's clock stands still: the cosine schedule over a minutes budget, the budget
// itself and elapsedMs read the same paused-aware clock, so a pause changes none of them.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { StepEvent } from '../../src/training/events.js';
import { train } from '../../src/training/trainer.js';
import { TrainerControl } from '../../src/training/trainerControl.js';
import { wasmDir } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-pause-clock-'));
after(() => rmSync(root, { recursive: true, force: true }));

const TEXT = Array.from({ length: 120 }, (_, i) => `row ${i % 7}: the lazy dog ${i % 2 ? 'sleeps' : 'runs'}.\n`).join('');
// 3 s budget, each step "takes" 100 ms on the test's clock: 30 steps.
const OPTIONS = { units: 8, layers: 1, seqLen: 8, batch: 2, minutes: 0.05, lrSchedule: 'cosine', evalEvery: 1000, sampleEvery: 0, checkpointEvery: 1000, backend: 'cpu', lr: 0.01 } as const;
const STEP_MS = 100;
const PAUSE_MS = 7_000;

async function run(name: string, pauseAtStep: number | null): Promise<{ steps: StepEvent[]; pausedWaits: number }> {
  let t = 0;
  const control = new TrainerControl();
  let pausedWaits = 0;
  // The real wait, with the test's clock moving on while the trainer waits in it.
  const wait = control.waitForChange.bind(control);
  control.waitForChange = (signal) => {
    const woken = wait(signal);
    pausedWaits++;
    t += PAUSE_MS;
    control.resume();
    return woken;
  };
  const steps: StepEvent[] = [];
  await train({
    text: TEXT, modelDir: join(root, name), options: OPTIONS, wasmDir, control, minSaveIntervalMs: 0, now: () => t,
    onEvent: (e) => {
      if (e.event !== 'step') return;
      steps.push(e);
      t += STEP_MS;
      if (e.step === pauseAtStep) control.pause();
    },
  });
  return { steps, pausedWaits };
}

test('a run paused for 7 s has the learning rates, steps and elapsed times of one that was not', async () => {
  const plain = await run('plain', null);
  const paused = await run('paused', 5);
  assert.equal(plain.pausedWaits, 0);
  assert.equal(paused.pausedWaits, 1, 'the second run really waited paused');
  assert.ok(plain.steps.length >= 25, `the minutes budget ran ${plain.steps.length} steps`);
  const lr = (r: { steps: StepEvent[] }) => r.steps.map((e) => e.lr);
  // The schedule decays over the budget: the last rate is well below the first.
  assert.ok(lr(plain).at(-1)! < lr(plain)[0]! * 0.2, `lr ${lr(plain)[0]} → ${lr(plain).at(-1)}`);
  assert.deepEqual(lr(paused), lr(plain));
  assert.deepEqual(paused.steps.map((e) => e.elapsedMs), plain.steps.map((e) => e.elapsedMs));
});
