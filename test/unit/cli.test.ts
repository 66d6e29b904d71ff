// The `rnnlab` CLI end to end, through child processes on the built dist/cli.js: train,
// resume, sample, eval, inspect, info, and bad input that must fail in one clear line.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ensureCliBuilt, rnnlab } from './helpers.js';
import type { CliRun as Run } from './helpers.js';

const REPO = resolve(__dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');

/** Asserts a failure: the exit code, and exactly one stderr line `rnnlab: …` matching `pattern`. */
function assertFails(r: Run, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one stderr line, got: ${r.stderr}`);
  assert.match(lines[0]!, /^rnnlab: /);
  assert.match(lines[0]!, pattern);
  assert.equal(r.stdout, '');
}

// A text with structure a small model picks up in a few dozen steps.
const CORPUS = Array.from({ length: 120 }, (_, i) => `the cat sat on the mat ${i % 7}. a dog ran.\n`).join('');

const work = mkdtempSync(join(tmpdir(), 'rnnlab-cli-'));
const corpus = join(work, 'corpus.txt');
const model = join(work, 'model');
const TINY = ['--layers', '1', '--units', '16', '--seq-len', '16', '--batch', '8', '--eval-every', '10', '--checkpoint-every', '10', '--sample-every', '0'];

before(() => {
  ensureCliBuilt();
  writeFileSync(corpus, CORPUS);
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('rnnlab end to end', () => {
  test('train --json prints only JSON lines and ends with the done event', () => {
    const r = rnnlab(['train', corpus, '--out', model, ...TINY, '--cell', 'lstm', '--steps', '30', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const done = events[events.length - 1]!;
    assert.equal(done.event, 'done');
    assert.equal(done.step, 30);
    assert.equal(done.backend, 'wasm');
    assert.equal(done.modelDir, model);
    assert.equal(typeof done.trainLoss, 'number');
    assert.equal(typeof done.valLoss, 'number');
    assert.ok((done.tokensPerSecond as number) > 0);
    const steps = events.filter((e) => e.event === 'step');
    assert.equal(steps.length, 30);
    assert.ok((steps[29]!.loss as number) < (steps[0]!.loss as number), 'the loss went down');
    assert.equal(events.filter((e) => e.event === 'eval').length, 3);
    for (const f of ['model.json', 'weights.bin', 'optimizer.bin', 'checkpoints/latest/model.json', 'checkpoints/best/model.json']) {
      assert.ok(existsSync(join(model, f)), `${f} exists`);
    }
    // The run's record carries what the Models view's tooltip shows: its active time and speed.
    const run = (JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')) as { history: { runs: { elapsedMs?: number; tokensPerSecond?: number; reason?: string }[] } }).history.runs[0]!;
    assert.ok(typeof run.elapsedMs === 'number' && run.elapsedMs > 0, `elapsedMs ${run.elapsedMs}`);
    assert.ok((run.tokensPerSecond ?? 0) > 0);
    assert.equal(run.reason, 'steps');
  });

  test('train --resume continues from the saved step (--steps counts the new steps)', () => {
    // The same architecture flags as the first run are accepted (they match the model).
    const r = rnnlab(['train', corpus, '--out', model, ...TINY, '--steps', '10', '--resume', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const start = events.find((e) => e.event === 'start')!;
    assert.equal(start.resumed, true);
    assert.equal(start.startStep, 30);
    assert.equal(events.filter((e) => e.event === 'step').length, 10);
    assert.equal(events[events.length - 1]!.step, 40);
  });

  test('train without --json prints the backend and a summary (plain lines on a pipe)', () => {
    const out = join(work, 'plain');
    const r = rnnlab(['train', corpus, '--out', out, ...TINY, '--steps', '5', '--cell', 'gru', '--backend', 'wasm', '--workers', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^backend: wasm$/m);
    assert.match(r.stdout, /^kernels: (native \(OpenBLAS .*\)|portable \(.+\)); 2 workers per step$/m);
    assert.match(r.stdout, /^data: [\d,]+ training tokens, [\d,]+ validation tokens \((\d+ windows spread over the text|a window in the middle of the text)\)/m);
    assert.match(r.stdout, /^step 1\/5 /m);
    assert.match(r.stdout, /^done at step 5 \(steps\): train loss \d+\.\d+/m);
  });

  test('on a terminal, train draws a progress bar (cli-progress) and still ends with the summary', () => {
    const out = join(work, 'tty');
    // util-linux `script` (Debian: bsdutils, an essential package) gives the child a pseudo-terminal.
    const command = [process.execPath, CLI, 'train', corpus, '--out', out, ...TINY, '--steps', '30'].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const screen = r.stdout.replace(/\r/g, '\n');
    assert.match(screen, /█+░* \d+% \| step \d+\/30 \| loss \d\.\d{3} \| [\d.k]+ tok\/s \| ETA/);
    assert.match(screen, /100% \| step 30\/30/);
    assert.match(screen, /eval at step 30: val loss/);
    assert.match(screen, /done at step 30 \(steps\): train loss/);
  });

  test('Ctrl-C (SIGINT) stops training at a step boundary, saves, and exits 0', async () => {
    const out = join(work, 'interrupted');
    const child = spawn(process.execPath, [CLI, 'train', corpus, '--out', out, ...TINY, '--minutes', '1', '--json'], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while ((stdout.match(/"event":"step"/g) ?? []).length < 3) {
      assert.ok(Date.now() < deadline, `training started (stderr: ${stderr})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /^rnnlab: stopping after this step and saving/);
    const done = JSON.parse(stdout.trim().split('\n').pop()!) as { event: string; reason: string; step: number };
    assert.equal(done.event, 'done');
    assert.equal(done.reason, 'aborted');
    assert.ok(done.step >= 3);
    const info = JSON.parse(rnnlab(['info', out, '--json']).stdout) as { state: { step: number } };
    assert.equal(info.state.step, done.step);
  });

  test('sample prints the prime and the generated text, the same for the same seed', () => {
    const a = rnnlab(['sample', model, '--prime', 'the ', '--length', '40', '--seed', '3', '--temperature', '0.5']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stderr, '');
    assert.ok(a.stdout.startsWith('the '), a.stdout);
    assert.equal([...a.stdout].length, 44);
    const b = rnnlab(['sample', model, '--prime', 'the ', '--length', '40', '--seed', '3', '--temperature', '0.5']);
    assert.equal(b.stdout, a.stdout);
    const greedy = rnnlab(['sample', model, '--prime', 'the c', '--length', '20', '--temperature', '0', '--checkpoint', 'best']);
    assert.equal(greedy.code, 0, greedy.stderr);
    assert.ok(greedy.stdout.startsWith('the c'));
  });

  test('eval --json --per-token gives loss, bits, perplexity and the surprisal of each token', () => {
    const text = join(work, 'held-out.txt');
    writeFileSync(text, 'the cat sat on the mat 3. a dog ran.\n');
    const r = rnnlab(['eval', model, text, '--json', '--per-token']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { tokens: number; loss: number; bitsPerToken: number; perplexity: number; surprisal: number[] };
    assert.equal(s.tokens, 'the cat sat on the mat 3. a dog ran.\n'.length - 1);
    assert.equal(s.surprisal.length, s.tokens);
    const mean = s.surprisal.reduce((x, y) => x + y, 0) / s.tokens;
    assert.ok(Math.abs(mean - s.loss) < 1e-9);
    assert.ok(Math.abs(s.bitsPerToken - s.loss / Math.LN2) < 1e-9);
    assert.ok(Math.abs(s.perplexity - Math.exp(s.loss)) < 1e-6);
    // 40 steps on this text must beat a uniform guess over the vocabulary.
    const info = JSON.parse(rnnlab(['info', model, '--json']).stdout) as { vocabSize: number };
    assert.ok(s.loss < Math.log(info.vocabSize), `${s.loss} < ln ${info.vocabSize}`);
    const plain = rnnlab(['eval', model, text]);
    assert.match(plain.stdout, /^loss: \d+\.\d{4} nats\/token$/m);
    const bare = rnnlab(['eval', model, text, '--json']);
    assert.equal('surprisal' in JSON.parse(bare.stdout), false);
  });

  test('eval --max-tokens N scores the first N tokens, says so, and the score is that of those tokens alone', () => {
    const long = join(work, 'long.txt');
    writeFileSync(long, 'the cat sat on the mat 3. a dog ran.\n'.repeat(2000));
    const r = rnnlab(['eval', model, long, '--max-tokens', '100', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { tokens: number; loss: number; truncated: boolean };
    assert.deepEqual([s.tokens, s.truncated], [100, true]);
    const head = join(work, 'head.txt');
    writeFileSync(head, 'the cat sat on the mat 3. a dog ran.\n'.repeat(3).slice(0, 101));
    const alone = JSON.parse(rnnlab(['eval', model, head, '--json']).stdout) as { tokens: number; loss: number; truncated: boolean };
    assert.deepEqual([alone.tokens, alone.truncated], [100, false]);
    assert.ok(Math.abs(alone.loss - s.loss) < 1e-9, `${alone.loss} vs ${s.loss}`);
    assert.match(rnnlab(['eval', model, long, '--max-tokens', '100']).stdout, /\nscored: the first 100 tokens of .*long\.txt \(--max-tokens 100\); the rest was not read\n$/);
    const both = rnnlab(['eval', model, long, '--max-tokens', '100', '--per-token']);
    assert.equal(both.code, 2);
    assert.equal(both.stderr, 'rnnlab: --per-token lists every token of the text, so it cannot be combined with --max-tokens\n');
  });

  test('inspect --json --gradients names every LSTM gate as [T][units], with saturation and gradient flow', () => {
    const r = rnnlab(['inspect', model, '--text', 'the cat', '--json', '--gradients']);
    assert.equal(r.code, 0, r.stderr);
    const x = JSON.parse(r.stdout) as {
      tokens: string[];
      layers: Array<Record<string, unknown> & { cell: string; saturation: Record<string, { low: number; high: number }> }>;
      gradients: { position: number; norms: number[][] };
    };
    assert.deepEqual(x.tokens, ['t', 'h', 'e', ' ', 'c', 'a', 't']);
    assert.equal(x.layers.length, 1);
    const layer = x.layers[0]!;
    assert.equal(layer.cell, 'lstm');
    for (const gate of ['gammaU', 'gammaF', 'gammaO', 'cTilde', 'c', 'a']) {
      const values = layer[gate] as number[][];
      assert.equal(values.length, 7, gate);
      assert.equal(values[0]!.length, 16, gate);
    }
    assert.equal(layer.gammaR, undefined);
    for (const v of (layer.gammaF as number[][]).flat()) assert.ok(v > 0 && v < 1);
    assert.ok(layer.saturation.gammaU!.low >= 0 && layer.saturation.gammaU!.high <= 1);
    assert.equal(x.gradients.norms.length, 1);
    assert.equal(x.gradients.norms[0]!.length, x.gradients.position + 1);
    assert.ok(x.gradients.norms[0]!.every((n) => Number.isFinite(n) && n >= 0));
    const human = rnnlab(['inspect', model, '--text', 'the cat']);
    assert.match(human.stdout, /^layer 0 \(forward, lstm, 16 units\):$/m);
  });

  test('info --json gives config, parameter count, vocabulary size, backend and history', () => {
    const r = rnnlab(['info', model, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as Record<string, any>;
    assert.equal(info.network.units, 16);
    assert.equal(info.network.cell, 'lstm');
    assert.equal(info.train.seqLen, 16);
    assert.equal(info.state.step, 40);
    assert.equal(info.backend, 'wasm');
    assert.equal(info.vocabSize, new Set(CORPUS).size + 1);
    const weights = statSync(join(model, 'weights.bin')).size;
    assert.equal(info.parameters * 4, weights);
    assert.equal(typeof info.history, 'object');
    assert.equal(info.checkpoints.latest.step, 40);
    assert.equal(info.workers, Math.min(availableParallelism(), 8));
    const text = rnnlab(['info', model]).stdout;
    assert.match(text, /parameters/);
    assert.match(text, /^kernels: (native|portable) .* here$/m);
    assert.match(text, /^training workers here: \d+ \(the cores, capped by the batch of 8; --workers N chooses\)$/m);
  });
});

describe('rnnlab refuses bad input in one line', () => {
  test('a missing training file (exit 1)', () => {
    assertFails(rnnlab(['train', join(work, 'nope.txt'), '--out', join(work, 'x1')]), 1, /nope\.txt does not exist$/);
  });

  test('an empty training file (exit 1)', () => {
    const f = join(work, 'empty.txt');
    writeFileSync(f, '');
    assertFails(rnnlab(['train', f, '--out', join(work, 'x2')]), 1, /empty\.txt is empty; give a text file to train on with some text in it$/);
  });

  test('a binary file and a file that is not UTF-8 (exit 1)', () => {
    const bin = join(work, 'data.bin');
    writeFileSync(bin, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    assertFails(rnnlab(['train', bin, '--out', join(work, 'x3')]), 1, /data\.bin looks binary \(a NUL byte at offset 8\); give a UTF-8 text file to train on$/);
    const latin1 = join(work, 'latin1.txt');
    writeFileSync(latin1, Buffer.from('caf\xe9 au lait\n'.repeat(50), 'latin1'));
    assertFails(rnnlab(['train', latin1, '--out', join(work, 'x3')]), 1, /latin1\.txt is not UTF-8 text \(invalid byte at offset 3\)/);
  });

  test('a text too small for one training window says how many tokens it needs (exit 1)', () => {
    const f = join(work, 'small.txt');
    writeFileSync(f, 'hello there\n');
    assertFails(rnnlab(['train', f, '--out', join(work, 'x4')]), 1, /small\.txt is too small to train on: it has 12 char tokens and --seq-len 64 with --val-fraction 0\.1 needs at least 130; use a longer text or a smaller --seq-len$/);
  });

  test('a file of one repeated character trains, with a note that it can only learn to repeat it', () => {
    const f = join(work, 'aaaa.txt');
    writeFileSync(f, 'a'.repeat(2000));
    const out = join(work, 'aaaa');
    const r = rnnlab(['train', f, '--out', out, ...TINY, '--steps', '60', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^rnnlab: note: .*aaaa\.txt holds a single distinct character repeated; the model can only learn to repeat it\n$/);
    const done = JSON.parse(r.stdout.trim().split('\n').pop()!) as { valLoss: number };
    assert.ok(done.valLoss < 0.1, `val loss ${done.valLoss} is near zero`);
    const s = rnnlab(['sample', out, '--length', '10', '--temperature', '0']);
    assert.equal(s.stdout, 'a'.repeat(10));
  });

  test('an unknown flag, a bad option value and conflicting stop flags are usage errors (exit 2)', () => {
    assertFails(rnnlab(['train', corpus, '--out', join(work, 'x5'), '--frobnicate']), 2, /^rnnlab: unknown option '--frobnicate' \(see rnnlab train --help\)$/);
    assertFails(rnnlab(['train', corpus, '--out', join(work, 'x5'), '--units', '0']), 2, /^rnnlab: --units must be a whole number from 1 to 4096, got 0$/);
    assertFails(rnnlab(['train', corpus, '--out', join(work, 'x5'), '--seq-len', '-4']), 2, /^rnnlab: --seq-len must be a whole number ≥ 1, got -4$/);
    assertFails(rnnlab(['train', corpus, '--out', join(work, 'x5'), '--units', 'many']), 2, /option '--units <n>' argument 'many' is invalid/);
    assertFails(rnnlab(['train', corpus, '--out', join(work, 'x5'), '--cell', 'transformer']), 2, /argument 'transformer' is invalid\. Allowed choices are lstm, gru, rnn\./);
    assertFails(rnnlab(['train', corpus, '--out', join(work, 'x5'), '--steps', '5', '--minutes', '1']), 2, /option '--steps <n>' cannot be used with option '--minutes <m>'/);
    assertFails(rnnlab(['train', corpus]), 2, /required option '--out <dir>' not specified/);
    assertFails(rnnlab(['train', corpus, '--out', join(work, 'x5'), '--workers', '0']), 2, /^rnnlab: --workers must be a whole number ≥ 1, got 0$/);
    assertFails(rnnlab(['frobnicate']), 2, /unknown command 'frobnicate'/);
    const bare = rnnlab([]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /^Usage: rnnlab /);
    assert.match(bare.stderr, /\nrnnlab: no command given: use train, sample, eval, predict, inspect, info, export, import or bench \(see rnnlab --help\)\n$/);
    const help = rnnlab(['train', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--seq-len <t> +truncated-BPTT window T/);
    assertFails(rnnlab(['bench', '--steps', '0']), 2, /^rnnlab: --steps must be a whole number ≥ 1, got 0$/);
    assertFails(rnnlab(['sample', model, '--temperature', '-1']), 2, /--temperature must be ≥ 0, got -1$/);
    assert.equal(existsSync(join(work, 'x5')), false, 'nothing was written');
  });

  test('training into a folder that already holds a model needs --resume (exit 2)', () => {
    const before = readFileSync(join(model, 'model.json'), 'utf8');
    assertFails(rnnlab(['train', corpus, '--out', model, '--steps', '5']), 2, /already holds a model; pass --resume to continue training it, or choose another --out$/);
    assert.equal(readFileSync(join(model, 'model.json'), 'utf8'), before);
  });

  test('resuming on a text the vocabulary does not cover is refused and changes nothing (exit 1)', () => {
    const f = join(work, 'other.txt');
    writeFileSync(f, 'ZYXWVU QPON 98765\n'.repeat(100));
    const before = readFileSync(join(model, 'weights.bin'));
    assertFails(rnnlab(['train', f, '--out', model, '--resume', '--steps', '5']), 1, /cannot continue training on this text: .* outside the model's vocabulary/);
    assert.deepEqual(readFileSync(join(model, 'weights.bin')), before);
  });

  test('--resume refuses flags that would change what the model fixed (exit 2)', () => {
    const before = readFileSync(join(model, 'weights.bin'));
    assertFails(
      rnnlab(['train', corpus, '--out', model, '--resume', '--units', '32']),
      2,
      /^rnnlab: --units 32 differs from the model's 16; --resume keeps the model's architecture, data split and optimizer, so train a new model \(another --out\) to change it$/,
    );
    assertFails(rnnlab(['train', corpus, '--out', model, '--resume', '--seq-len', '64']), 2, /^rnnlab: --seq-len 64 differs from the model's 16;/);
    assertFails(rnnlab(['train', corpus, '--out', model, '--resume', '--val-split', 'end']), 2, /^rnnlab: --val-split end differs from the model's spread;/);
    assertFails(rnnlab(['train', corpus, '--out', join(work, 'classify-split'), '--task', 'classify', '--val-split', 'end']), 2, /^rnnlab: --val-split is for a language model's text; a classify model holds out whole examples$/);
    assertFails(rnnlab(['train', corpus, '--out', join(work, 'never-trained'), '--resume']), 1, /there is no model to resume in .*never-trained \(no model\.json\)$/);
    assert.deepEqual(readFileSync(join(model, 'weights.bin')), before);
  });

  test('a model folder with a truncated weights.bin (exit 1), and a missing model folder', () => {
    const broken = join(work, 'broken');
    const copy = spawnSync('cp', ['-r', model, broken]);
    assert.equal(copy.status, 0);
    const size = statSync(join(broken, 'weights.bin')).size;
    truncateSync(join(broken, 'weights.bin'), 1000);
    const expected = new RegExp(`weights\\.bin is truncated: 1,000 of ${size.toLocaleString('en-US')} bytes$`);
    assertFails(rnnlab(['sample', broken]), 1, expected);
    assertFails(rnnlab(['eval', broken, corpus]), 1, expected);
    assertFails(rnnlab(['inspect', broken, '--text', 'the']), 1, expected);
    assertFails(rnnlab(['sample', join(work, 'no-model')]), 1, /no model at .*no-model: the folder does not exist$/);
    // The checkpoints of the broken folder are intact and still load.
    assert.equal(rnnlab(['sample', broken, '--checkpoint', 'latest', '--length', '5']).code, 0);
  });

  test('--verbose adds the stack trace', () => {
    const r = rnnlab(['sample', join(work, 'no-model'), '--verbose']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^rnnlab: no model at /);
    assert.match(r.stderr, /\n +at /);
  });
});
