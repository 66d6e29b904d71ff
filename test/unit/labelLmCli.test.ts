// `--task lm --condition label` through the built CLI (dist/cli.js): label A lines are all digits
// and label B lines all letters; after a few seconds of training, sampled lines for A and B are
// told apart by that check. Then sample's label errors, eval, info, --resume, the one-sentence
// refusals of other commands, and format errors (one line naming the file and line, nothing written).

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Rng } from '../../src/engine/math.js';
import { readModelMeta } from '../../src/model/index.js';
import { assertOneLineFailure, ensureCliBuilt, rnnlab } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-label-lm-cli-'));
const trainFile = join(work, 'train.tsv');
const model = join(work, 'model');

/** label<TAB>text lines: A lines are 3–10 digits, B lines 3–10 letters a–j, alternating. */
function labelledLines(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const [label, alphabet] = i % 2 === 0 ? ['A', '0123456789'] : ['B', 'abcdefghij'];
    return `${label}\t${Array.from({ length: 3 + rng.int(8) }, () => alphabet[rng.int(10)]).join('')}`;
  });
}

before(() => {
  ensureCliBuilt();
  writeFileSync(trainFile, labelledLines(300, 1).join('\n') + '\n');
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('rnnlab train --task lm --condition label', () => {
  test('train says what it read and saves a label-lm model with its labels', () => {
    const r = rnnlab(['train', trainFile, '--task', 'lm', '--condition', 'label', '--out', model, '--cell', 'gru', '--units', '32', '--epochs', '8', '--eval-every', '50']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /train\.tsv: this looks like label<TAB>text, 300 lines, 2 labels/);
    assert.match(r.stdout, /^label-lm: 270 training and 30 validation lines, 22 char tokens, GRU 1×32/);
    assert.match(r.stdout, /step \d+ .* perplexity [\d.]+ {2}labelAccuracy [\d.]+/);
    assert.match(r.stdout, /done \(epochs\) at step \d+ in [\d.]+ s, [\d,]+ tokens\/s; saved/);
    const meta = readModelMeta(model);
    assert.equal(meta.task, 'label-lm');
    assert.deepEqual(meta.labels, ['A', 'B']);
    assert.equal(meta.network.bidirectional, false);
  });

  test('samples for label A are digits and for label B letters (≥ 90% of their characters)', () => {
    const share = (label: string, test: RegExp) => {
      let hit = 0;
      let all = 0;
      for (let seed = 1; seed <= 12; seed++) {
        const r = rnnlab(['sample', model, '--label', label, '--seed', String(seed), '--length', '40']);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.endsWith('\n') && !r.stdout.slice(0, -1).includes('\n'), `one line: ${JSON.stringify(r.stdout)}`);
        const line = r.stdout.slice(0, -1);
        all += line.length;
        hit += [...line].filter((c) => test.test(c)).length;
      }
      assert.ok(all > 12, `label ${label}: only ${all} characters sampled`);
      return hit / all;
    };
    const digits = share('A', /[0-9]/);
    const letters = share('B', /[a-z]/);
    assert.ok(digits >= 0.9, `label A: ${(digits * 100).toFixed(1)}% digits`);
    assert.ok(letters >= 0.9, `label B: ${(letters * 100).toFixed(1)}% letters`);
  });

  test('sample is seeded; an unknown label or none is refused naming the known ones', () => {
    const a = rnnlab(['sample', model, '--label', 'B', '--seed', '4']);
    assert.equal(a.stdout, rnnlab(['sample', model, '--label', 'B', '--seed', '4']).stdout);
    assertOneLineFailure(rnnlab(['sample', model, '--label', 'C']), /knows no label "C"; its labels are A, B$/);
    const none = rnnlab(['sample', model]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^rnnlab: .* generates from a label: give --label with one of A, B\n$/);
  });

  test('eval reports the loss per token given the label; info shows the condition and labels', () => {
    const testFile = join(work, 'test.tsv');
    writeFileSync(testFile, labelledLines(40, 9).join('\n') + '\n');
    const r = rnnlab(['eval', model, testFile, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, number | string>;
    assert.equal(out.task, 'label-lm');
    assert.equal(out.lines, 40);
    // A uniform guess over 22 tokens scores ln 22 ≈ 3.09; knowing the label's alphabet of 10 (and <EOS>) ≈ 2.3.
    assert.ok((out.loss as number) < 2.6, `loss ${out.loss}`);
    assert.ok((out.labelAccuracy as number) >= 0.95, `labelAccuracy ${out.labelAccuracy}`);
    const info = rnnlab(['info', model]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^task: lm, condition label .*2 labels: A, B/m);
  });

  test('train --resume continues it; commands that do not apply say so in one sentence', () => {
    const copy = join(work, 'resumed');
    cpSync(model, copy, { recursive: true });
    const r = rnnlab(['train', trainFile, '--out', copy, '--resume', '--steps', '5', '--eval-every', '5']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readModelMeta(copy).task, 'label-lm');
    assertOneLineFailure(rnnlab(['predict', model, '--text', 'x']), /predict does not apply to .*, a label-conditioned language model: .*use rnnlab sample .* --label LABEL$/);
    assertOneLineFailure(rnnlab(['inspect', model, '--text', 'x']), /inspect does not apply to .*, a label-lm model: .*--label LABEL$/);
    assertOneLineFailure(rnnlab(['export', model, '--format', 'pytorch', '--out', join(work, 'x')]), /export does not apply to .*, a label-lm model/);
  });

  test('format errors are one line naming the file and line, exit 1, and nothing is written', () => {
    const cases: [string, (lines: string[]) => void, RegExp][] = [
      ['columns.tsv', (l) => (l[6] = `${l[6]}\textra`), /columns\.tsv:7: /],
      ['empty.tsv', (l) => (l[3] = `\t${l[3].split('\t')[1]}`), /empty\.tsv:4: /],
      ['long.tsv', (l) => (l[9] = `A\t${'1'.repeat(100_001)}`), /long\.tsv:10: the line is [\d,]+ bytes long, over the 100 kB limit/],
    ];
    for (const [name, spoil, pattern] of cases) {
      const lines = labelledLines(20, 5);
      spoil(lines);
      const file = join(work, name);
      writeFileSync(file, lines.join('\n') + '\n');
      const out = join(work, `never-${name}`);
      assertOneLineFailure(rnnlab(['train', file, '--task', 'lm', '--condition', 'label', '--out', out]), pattern);
      assert.equal(existsSync(out), false, `${name}: no model folder`);
      assertOneLineFailure(rnnlab(['eval', model, file]), pattern);
    }
  });
});
