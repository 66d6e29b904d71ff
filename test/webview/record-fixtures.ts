// Records the messages the panel tests replay: trains tiny RNN, GRU and LSTM models for a few
// seconds on the shared corpus with the real trainer, and inspects them with the real engine;
// then a tiny classifier, tagger and seq2seq model on the unit tests' generated sets, inspected
// with the task inspector (inspect-classify.json, inspect-tag.json, inspect-seq2seq.json).
// Run: node --import tsx test/webview/record-fixtures.ts   (writes test/webview/fixtures/*.json)
//      node --import tsx test/webview/record-fixtures.ts --tasks   (the task fixtures only)

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CellType } from '../../src/engine/config.js';
import { inspect } from '../../src/engine/inspect.js';
import type { GradientSeries, GradientsStateMessage, ModelRef } from '../../src/protocol/webview.js';
import type { RecordedInspection } from './harness.js';
import { loadModel } from '../../src/training/checkpoint.js';
import { readModelMeta } from '../../src/model/index.js';
import type { TrainerEvent } from '../../src/training/events.js';
import { train } from '../../src/training/trainer.js';
import { TrainerControl } from '../../src/training/trainerControl.js';
import { initBackend } from '../../src/engine/backend.js';
import type { TrainOptions } from '../../src/training/config.js';
import { TASK_RUNNERS } from '../../src/training/tasks/taskRunners.js';
import { loadTaskInspector } from '../../src/training/tasks/taskInspect.js';
import { markerLines } from '../unit/classifyData.js';
import { conllText, numberSentences } from '../unit/tagData.js';
import { reversalLines } from '../unit/seq2seqData.js';

const ROOT = join(__dirname, '..', '..');
const OUT = join(__dirname, 'fixtures');
const CORPUS = '/work/shared/data/tinyshakespeare.txt';
const SECONDS = Number(process.env.RECORD_SECONDS ?? 8);
/** Stable folder names in the fixtures instead of this machine's temp paths. */
const fixtureDir = (name: string) => `/models/${name}`;

interface Spec { cell: CellType; name: string; layers: number; units: number }
const SPECS: Spec[] = [
  { cell: 'lstm', name: 'tiny-lstm', layers: 2, units: 24 },
  { cell: 'gru', name: 'tiny-gru', layers: 1, units: 32 },
  { cell: 'rnn', name: 'tiny-rnn', layers: 1, units: 32 },
];

/** Rewrites this machine's temp folder into the stable fixture folder name. */
function relabel<T>(value: T, from: string, to: string): T {
  return JSON.parse(JSON.stringify(value).split(from).join(to)) as T;
}

interface TaskSpec {
  task: 'classify' | 'tag' | 'seq2seq';
  name: string;
  file: string;
  data: string;
  options: TrainOptions;
  /** The inspected text: not in the training data. */
  sample: string;
}

const TASK_SPECS: TaskSpec[] = [
  {
    task: 'classify', name: 'tiny-classifier', file: 'reviews.tsv', data: markerLines(600, 3).join('\n'),
    options: { cell: 'gru', units: 16, embeddingSize: 8, steps: 150, evalEvery: 50, seed: 1 },
    sample: markerLines(1, 12)[0]!.split('\t')[1]!,
  },
  {
    task: 'tag', name: 'tiny-tagger', file: 'numbers.conll', data: conllText(numberSentences(400, 3)),
    options: { cell: 'gru', units: 16, embeddingSize: 8, steps: 150, evalEvery: 50, lr: 0.02, seed: 1 },
    sample: numberSentences(1, 77)[0]!.tokens.join(' '),
  },
  {
    task: 'seq2seq', name: 'tiny-reverser', file: 'reverse.tsv', data: reversalLines(3000, 1, 8).join('\n'),
    options: { cell: 'gru', units: 32, batch: 32, steps: 500, lr: 0.01, evalEvery: 250, seed: 1 },
    sample: 'abcdefg',
  },
];

/** Trains each task model briefly and records its inspection as the host would post it. */
async function recordTasks(work: string): Promise<void> {
  await initBackend('cpu');
  for (const spec of TASK_SPECS) {
    const dir = join(work, spec.name);
    const done = await TASK_RUNNERS[spec.task]!.fresh(spec.data, spec.file, spec.options, { modelDir: dir, name: spec.name, backend: 'cpu' });
    console.log(`${spec.name}: ${done.step} steps, ${done.message}`);
    const meta = readModelMeta(dir);
    const ref: ModelRef = { name: spec.name, dir: fixtureDir(spec.name), cell: meta.network.cell, layers: meta.network.layers, units: meta.network.units, task: spec.task };
    const inspector = loadTaskInspector(dir);
    try {
      const t0 = performance.now();
      const result = inspector.inspect(spec.sample, { topK: 5, gradients: true });
      const inspectMs = performance.now() - t0;
      const message: RecordedInspection = { type: 'inspector/result', model: ref, text: spec.sample, result, inspectMs };
      writeJson(`inspect-${spec.task}.json`, message);
    } finally {
      inspector.dispose();
    }
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--tasks')) {
    const work = mkdtempSync(join(tmpdir(), 'rnnlab-fixtures-'));
    mkdirSync(OUT, { recursive: true });
    try {
      await recordTasks(work);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return;
  }
  if (!existsSync(CORPUS)) throw new Error(`${CORPUS} is missing: the fixtures are recorded from the shared corpus.`);
  const text = readFileSync(CORPUS, 'utf8').slice(0, 200_000);
  const work = mkdtempSync(join(tmpdir(), 'rnnlab-fixtures-'));
  mkdirSync(OUT, { recursive: true });
  const refs: ModelRef[] = [];
  try {
    for (const spec of SPECS) {
      const dir = join(work, spec.name);
      const events: TrainerEvent[] = [];
      const control = new TrainerControl();
      let sampledNow = false;
      const done = await train({
        text,
        modelDir: dir,
        name: spec.name,
        control,
        wasmDir: join(ROOT, 'dist'),
        options: {
          cell: spec.cell, layers: spec.layers, units: spec.units, seqLen: 32, batch: 16, lr: 0.01,
          minutes: SECONDS / 60, evalEvery: 15, sampleEvery: 60, sampleLength: 120, checkpointEvery: 100, backend: 'auto',
        },
        onEvent: (e) => {
          events.push(e);
          // Exercise "Sample now" once, as the dashboard button does.
          if (e.event === 'step' && e.step === 30 && !sampledNow) {
            sampledNow = true;
            control.sampleNow(0.5);
          }
        },
      });
      console.log(`${spec.name}: ${done.step} steps, ${events.length} events, train loss ${done.trainLoss?.toFixed(3)}, val ${done.valLoss?.toFixed(3)} (${done.backend})`);
      const ref: ModelRef = { name: spec.name, dir: fixtureDir(spec.name), cell: spec.cell, layers: spec.layers, units: spec.units };
      refs.push(ref);
      writeJson(`events-${spec.cell}.json`, relabel({ model: ref, events }, dir, ref.dir));
      writeJson(`history-${spec.cell}.json`, { model: ref, history: readModelMeta(dir).history });
    }

    // The inspected text: a passage from the validation end of the slice (not trained on).
    const sample = readFileSync(CORPUS, 'utf8').slice(250_000, 250_100);
    const series: GradientSeries[] = [];
    let tokens: string[] = [];
    for (const [i, spec] of SPECS.entries()) {
      const { model } = await loadModel(join(work, spec.name));
      const t0 = performance.now();
      const result = inspect(model, sample, { topK: 5, gradients: true });
      const inspectMs = performance.now() - t0;
      // The reference result: the tests quantise and pack it as the host does (harness.ts loadInspection).
      const message: RecordedInspection = { type: 'inspector/result', model: refs[i]!, text: sample, result, inspectMs };
      const { gradients, ...withoutGradients } = message.result;
      writeJson(`inspect-${spec.cell}.json`, { ...message, result: withoutGradients });
      if (!gradients) throw new Error('inspect returned no gradient flow');
      series.push({ model: refs[i]!, flow: gradients });
      if (tokens.length === 0) tokens = result.tokens;
    }
    const gradientsState: GradientsStateMessage = { type: 'gradients/state', text: sample, tokens, position: series[0]!.flow.position, models: refs, series };
    writeJson('gradients-state.json', gradientsState);
    await recordTasks(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function writeJson(name: string, value: unknown): void {
  const file = join(OUT, name);
  writeFileSync(file, `${JSON.stringify(value)}\n`);
  const kb = statSync(file).size / 1024;
  console.log(`  wrote ${name} (${kb.toFixed(0)} kB)`);
  if (kb > 300) throw new Error(`${name} is ${kb.toFixed(0)} kB; fixtures must stay under 300 kB`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
