// The fault suite's corrupt-folder table: every command that reads a model, on a model folder
// whose every save (root, latest, best) has the same fault, exits 1 with one `rnnlab:` sentence
// naming the broken file. Bounded: two tiny models are trained once, each case works on a copy.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { markerLines } from './classifyData.js';
import { cliPath, ensureCliBuilt, repoRoot, rnnlab } from './helpers.js';
import type { CliRun } from './helpers.js';

const CORPUS = Array.from({ length: 120 }, (_, i) => `the cat sat on the mat ${i % 7}. a dog ran.\n`).join('');
const TINY = ['--layers', '1', '--units', '16', '--seq-len', '16', '--batch', '8', '--sample-every', '0'];

const work = mkdtempSync(join(tmpdir(), 'rnnlab-corrupt-'));
const corpus = join(work, 'corpus.txt');
const labelled = join(work, 'labelled.tsv');
const lmModel = join(work, 'lm');
const classifyModel = join(work, 'classify');

/** A fault written into one save folder; `file` is the file a good message names. */
interface Corruption {
  name: string;
  file: 'weights.bin' | 'model.json';
  apply(save: string): void;
}

const editJson = (save: string, edit: (j: Record<string, any>) => void) => {
  const path = join(save, 'model.json');
  const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
  edit(j);
  writeFileSync(path, JSON.stringify(j));
};

/** Deterministic junk (a fixed LCG), so a failure is reproducible. */
function junk(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const CORRUPTIONS: Corruption[] = [
  { name: 'garbage weights', file: 'weights.bin', apply: (s) => writeFileSync(join(s, 'weights.bin'), junk(readFileSync(join(s, 'weights.bin')).length, 7)) },
  { name: 'garbage model.json', file: 'model.json', apply: (s) => writeFileSync(join(s, 'model.json'), junk(600, 11)) },
  {
    name: 'truncated weights',
    file: 'weights.bin',
    apply: (s) => {
      const w = readFileSync(join(s, 'weights.bin'));
      writeFileSync(join(s, 'weights.bin'), w.subarray(0, w.length >> 1));
    },
  },
  {
    name: 'extended weights',
    file: 'weights.bin',
    apply: (s) => writeFileSync(join(s, 'weights.bin'), Buffer.concat([readFileSync(join(s, 'weights.bin')), Buffer.alloc(64, 1)])),
  },
  {
    // The manifest's shapes no longer fit the network config (same byte length, dims swapped).
    name: 'wrong-shape weights',
    file: 'weights.bin',
    apply: (s) =>
      editJson(s, (j) => {
        const t = (j.weights.tensors as { shape: number[] }[]).find((x) => x.shape.length === 2 && x.shape[0] !== x.shape[1])!;
        t.shape = [t.shape[1]!, t.shape[0]!];
      }),
  },
  { name: 'future formatVersion', file: 'model.json', apply: (s) => editJson(s, (j) => (j.formatVersion = 99)) },
  {
    // A flipped bit of a float is still a finite float: only the CRC-32 in model.json tells.
    name: 'bit-flipped weights',
    file: 'weights.bin',
    apply: (s) => {
      const w = readFileSync(join(s, 'weights.bin'));
      w[(w.length >> 1) + 1]! ^= 0x04;
      writeFileSync(join(s, 'weights.bin'), w);
    },
  },
];

/** [command, model it reads, args with DIR standing for the corrupt copy]. */
const COMMANDS: [string, 'lm' | 'classify', (dir: string) => string[]][] = [
  ['info', 'lm', (d) => ['info', d]],
  ['sample', 'lm', (d) => ['sample', d, '--length', '5']],
  ['eval', 'lm', (d) => ['eval', d, corpus]],
  ['inspect', 'lm', (d) => ['inspect', d, '--text', 'the cat']],
  ['export', 'lm', (d) => ['export', d, '--format', 'tfjs-layers', '--out', `${d}-export`]],
  ['train --resume', 'lm', (d) => ['train', corpus, '--out', d, ...TINY, '--steps', '1', '--resume']],
  ['predict', 'classify', (d) => ['predict', d, '--text', 'the film was superb']],
  ['eval (classify)', 'classify', (d) => ['eval', d, labelled]],
  ['info (classify)', 'classify', (d) => ['info', d]],
  ['train --resume (classify)', 'classify', (d) => ['train', labelled, '--out', d, '--steps', '1', '--resume']],
];

/** The folder and each of its checkpoints. */
function saves(dir: string): string[] {
  const checkpoints = join(dir, 'checkpoints');
  return [dir, ...(existsSync(checkpoints) ? readdirSync(checkpoints).map((k) => join(checkpoints, k)) : [])];
}

function run(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    // 'close', not 'exit': on a loaded machine 'exit' can come before the last stderr chunk is read.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

before(() => {
  ensureCliBuilt();
  writeFileSync(corpus, CORPUS);
  writeFileSync(labelled, markerLines(40, 3).join('\n') + '\n');
  // --eval-every 2 with 4 steps: root, latest and best all exist.
  const lm = rnnlab(['train', corpus, '--out', lmModel, ...TINY, '--steps', '4', '--eval-every', '2']);
  assert.equal(lm.code, 0, lm.stderr);
  const cl = rnnlab(['train', labelled, '--task', 'classify', '--out', classifyModel, '--units', '8', '--embedding-size', '4', '--steps', '4', '--eval-every', '2']);
  assert.equal(cl.code, 0, cl.stderr);
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('fault suite: a corrupt model folder', () => {
  test('every command that reads a model exits 1 with one sentence naming the broken file, for every fault', async (t) => {
    const started = Date.now();
    const cases = COMMANDS.flatMap(([command, kind, args]) => CORRUPTIONS.map((c) => ({ command, kind, args, c })));
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < cases.length; i = next++) {
        const { command, kind, args, c } = cases[i]!;
        const dir = join(work, `case-${i}`);
        cpSync(kind === 'lm' ? lmModel : classifyModel, dir, { recursive: true });
        for (const save of saves(dir)) c.apply(save);
        const before = readFileSync(join(dir, 'model.json'));
        const r = await run(args(dir));
        const lines = r.stderr.split('\n').filter((l) => l !== '');
        const problems = [
          r.code !== 1 && `exit ${r.code}`,
          lines.length !== 1 && `${lines.length} stderr lines`,
          lines.length > 0 && !lines[0]!.startsWith('rnnlab: ') && 'no rnnlab: prefix',
          !lines.some((l) => l.includes(dir) && l.includes(c.file)) && `does not name ${c.file}`,
          !readFileSync(join(dir, 'model.json')).equals(before) && 'changed model.json',
        ].filter(Boolean);
        if (problems.length > 0) failures.push(`${command} × ${c.name}: ${problems.join(', ')} (stderr: ${r.stderr.trim()})`);
      }
    };
    // Four at a time: each run is 0.4 s of CPU but seconds of wall time on a shared 2-core machine.
    await Promise.all([worker(), worker(), worker(), worker()]);
    assert.deepEqual(failures, []);
    t.diagnostic(`${cases.length} cases (${COMMANDS.length} commands × ${CORRUPTIONS.length} faults) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  test("import's target is never read as a model: a corrupt folder there is refused as not empty and left as it was", () => {
    const source = join(work, 'exported');
    const ex = rnnlab(['export', lmModel, '--format', 'tfjs-layers', '--out', source]);
    assert.equal(ex.code, 0, ex.stderr);
    const dir = join(work, 'import-target');
    cpSync(lmModel, dir, { recursive: true });
    for (const save of saves(dir)) CORRUPTIONS[0]!.apply(save);
    const before = readFileSync(join(dir, 'weights.bin'));
    const r = rnnlab(['import', source, '--out', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^rnnlab: .*import-target is not empty; choose a new or empty --out folder\n$/);
    assert.ok(readFileSync(join(dir, 'weights.bin')).equals(before));
  });
});
