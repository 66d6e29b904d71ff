// The trainer's start event says which kernels run the hot loops, as the dashboard shows it:
// native when the addon is chosen and built, portable (on the named backend) when forced.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import { kernelInfo, useKernels } from '../../src/engine/kernels/kernels.js';
import { isTrainerEvent } from '../../src/protocol/guards.js';
import type { StartEvent, TrainerEvent } from '../../src/training/events.js';
import { train } from '../../src/training/trainer.js';
import { wasmDir } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-kernels-'));
after(() => {
  useKernels('auto');
  rmSync(root, { recursive: true, force: true });
});
before(async () => {
  await initBackend('cpu', { wasmDir });
});

const TEXT = 'the cat sat on the mat.\nthe dog sat on the log.\n'.repeat(30);

async function startOf(name: string): Promise<StartEvent> {
  const events: TrainerEvent[] = [];
  const options = { units: 6, seqLen: 8, batch: 2, steps: 1, evalEvery: 100, sampleEvery: 0, backend: 'cpu' } as const;
  await train({ text: TEXT, modelDir: join(root, name), options, wasmDir, onEvent: (e) => events.push(e) });
  const start = events.find((e): e is StartEvent => e.event === 'start')!;
  assert.ok(isTrainerEvent(start), 'the start event passes the protocol guard');
  return start;
}

test('the start event names the kernel path: portable when forced, else the engine\'s choice', async () => {
  useKernels('portable');
  const portable = await startOf('portable');
  assert.equal(portable.kernels, 'portable');
  assert.equal(portable.backend, 'cpu');
  useKernels('auto');
  const auto = await startOf('auto');
  assert.equal(auto.kernels, kernelInfo().path, kernelInfo().reason ? `not native here: ${kernelInfo().reason}` : 'native');
  assert.equal(isTrainerEvent({ ...auto, kernels: 'gpu' }), false, 'an unknown kernel path is refused');
});
