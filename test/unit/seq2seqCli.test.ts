// `--task seq2seq` through the built CLI (dist/cli.js): train, then eval (greedy and --beam),
// predict, inspect (saliency) and info on the seq2seq model; language-model commands refuse it in one sentence;
// format errors fail in one line naming the file and line, and write nothing.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { readModelMeta } from '../../src/model/index.js';
import { assertOneLineFailure, ensureCliBuilt, rnnlab } from './helpers.js';
import { reversalLines } from './seq2seqData.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-seq2seq-cli-'));
const trainFile = join(work, 'train.tsv');
const testFile = join(work, 'test.tsv');
const model = join(work, 'model');

before(() => {
  ensureCliBuilt();
  const lines = reversalLines(440, 7, 6);
  writeFileSync(trainFile, lines.slice(0, 400).join('\n') + '\n');
  writeFileSync(testFile, lines.slice(400).join('\n') + '\n');
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('rnnlab --task seq2seq', () => {
  test('train says what it read, evaluates exact match and CER as it goes and saves the model', () => {
    const r = rnnlab(['train', trainFile, '--task', 'seq2seq', '--out', model, '--cell', 'gru', '--units', '16', '--steps', '60', '--eval-every', '30']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /train\.tsv: this looks like source<TAB>target, 400 pairs/);
    assert.match(r.stdout, /^seq2seq: 360 training and 40 validation pairs, 14 char tokens, bidirectional GRU 1×16/);
    assert.equal(r.stdout.match(/^step \d+ .* exactMatch [\d.]+ {2}cer [\d.]+/gm)?.length, 2);
    assert.match(r.stdout, /done \(steps\) at step 60 in [\d.]+ s, [\d,]+ tokens\/s; saved; best evaluation: step \d+, exactMatch/);
    const meta = readModelMeta(model);
    assert.equal(meta.task, 'seq2seq');
    assert.equal(meta.attention, 'luong', 'attention is on by default');
    assert.equal(meta.labels, undefined);
    assert.ok(meta.vocabulary.tokens.includes('<EOS>'));
    for (const kind of ['latest', 'best']) assert.ok(existsSync(join(model, 'checkpoints', kind, 'model.json')), `checkpoints/${kind} saved`);
  });

  test('train --resume continues the seq2seq model from its latest save', () => {
    const copy = join(work, 'resumed');
    cpSync(model, copy, { recursive: true });
    const r = rnnlab(['train', trainFile, '--out', copy, '--resume', '--steps', '20', '--eval-every', '20']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /resuming at step 60/);
    assert.match(r.stdout, /done \(steps\) at step 80 /);
    assert.equal(readModelMeta(copy).state.step, 80);
  });

  test('eval reports exactMatch and cer, greedy and with --beam', () => {
    for (const beam of [[], ['--beam', '3']]) {
      const r = rnnlab(['eval', model, testFile, '--json', ...beam]);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as Record<string, number | string>;
      assert.equal(out.task, 'seq2seq');
      assert.equal(out.pairs, 40);
      assert.equal(out.beam, beam.length === 0 ? 1 : 3);
      assert.ok((out.exactMatch as number) >= 0 && (out.exactMatch as number) <= 1);
      assert.ok((out.cer as number) >= 0 && Number.isFinite(out.loss));
    }
    const text = rnnlab(['eval', model, testFile]);
    assert.match(text.stdout, /^pairs: 40\nexactMatch: [\d.]+\ncer: [\d.]+\nloss: [\d.]+ nats\/target token/);
  });

  test('predict prints the output of a text, or of each line of a file; info shows the task', () => {
    const one = rnnlab(['predict', model, '--text', 'abc', '--beam', '2']);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^[a-l<>UNK]*\n$/);
    const many = join(work, 'texts.txt');
    writeFileSync(many, 'abc\nfed\n');
    const r = rnnlab(['predict', model, many, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; output: string });
    assert.deepEqual(rows.map((x) => x.text), ['abc', 'fed']);
    assert.ok(rows.every((x) => typeof x.output === 'string'));
    assert.match(rnnlab(['info', model]).stdout, /^task: seq2seq \(source → target: bidirectional encoder, bridge, decoder with Luong attention;/m);
  });

  test('inspect --json gives the output and its source × output saliency', () => {
    const r = rnnlab(['inspect', model, '--text', 'abcd', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { task: string; sourceTokens: string[]; outputTokens: string[]; saliency: number[][] };
    assert.equal(out.task, 'seq2seq');
    assert.deepEqual(out.sourceTokens, ['a', 'b', 'c', 'd']);
    assert.equal(out.outputTokens[out.outputTokens.length - 1], '<EOS>');
    assert.equal(out.saliency.length, out.outputTokens.length);
    assert.ok(out.saliency.every((row) => row.length === 4 && row.every((x) => Number.isFinite(x) && x >= 0)));
    assert.ok(out.saliency.flat().some((x) => x > 0));
    // The gate inspector's traces: the encoder's over the source, the decoder's over the output tokens.
    const gates = JSON.parse(r.stdout) as { tokens: string[]; decoderTokens: string[]; layers: { part?: string; direction: string; c: number[][] }[] };
    assert.deepEqual(gates.tokens, out.sourceTokens);
    assert.deepEqual(gates.decoderTokens, out.outputTokens);
    const decoder = gates.layers.filter((l) => l.part === 'decoder');
    assert.ok(decoder.length >= 1 && decoder.every((l) => l.direction === 'forward' && l.c.length === out.outputTokens.length));
    assert.ok(gates.layers.filter((l) => l.part === undefined).every((l) => l.c.length === 4));
  });

  test('train --attention off records a decoder without attention; --attention is refused on another task and on a resume that would change it', () => {
    const plain = join(work, 'plain');
    const r = rnnlab(['train', trainFile, '--task', 'seq2seq', '--out', plain, '--cell', 'gru', '--units', '8', '--steps', '4', '--eval-every', '4', '--attention', 'off']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readModelMeta(plain).attention, 'none');
    // Usage errors: exit 2, one line, nothing written.
    const usage = (args: string[], pattern: RegExp) => {
      const u = rnnlab(args);
      assert.equal(u.code, 2, u.stderr);
      assert.deepEqual(u.stderr.trim().split('\n').length, 1, u.stderr);
      assert.match(u.stderr, pattern);
    };
    usage(['train', trainFile, '--out', plain, '--resume', '--steps', '2', '--attention', 'on'], /^rnnlab: .*decodes with attention off; a resumed model keeps it, so leave out --attention on$/m);
    assert.equal(readModelMeta(plain).state.step, 4);
    usage(['train', trainFile, '--task', 'classify', '--out', join(work, 'never-classify'), '--attention', 'on'], /^rnnlab: --attention is for --task seq2seq, not --task classify$/m);
    assert.equal(existsSync(join(work, 'never-classify')), false);
  });

  test('sample and export say in one sentence that they do not apply to a seq2seq model', () => {
    assertOneLineFailure(rnnlab(['sample', model]), /sample does not apply to .*, a seq2seq model: it generates text from a language model; use rnnlab predict/);
    assertOneLineFailure(rnnlab(['export', model, '--format', 'pytorch', '--out', join(work, 'x')]), /export does not apply to .*, a seq2seq model/);
  });

  test('format errors are one line naming the file and line, exit 1, and nothing is written', () => {
    const cases: [string, (lines: string[]) => void, RegExp][] = [
      ['columns.tsv', (l) => (l[6] = `${l[6]}\textra`), /columns\.tsv:7: expected 2 tab-separated columns .*found 3/],
      ['empty.tsv', (l) => (l[3] = `${l[3].split('\t')[0]}\t`), /empty\.tsv:4: the target \(column 2\) is empty/],
      ['long.tsv', (l) => (l[9] = `${'a'.repeat(100_001)}\tb`), /long\.tsv:10: the line is 100,003 bytes long, over the 100 kB limit/],
    ];
    for (const [name, spoil, pattern] of cases) {
      const lines = reversalLines(20, 5, 6);
      spoil(lines);
      const file = join(work, name);
      writeFileSync(file, lines.join('\n') + '\n');
      const out = join(work, `never-${name}`);
      assertOneLineFailure(rnnlab(['train', file, '--task', 'seq2seq', '--out', out]), pattern);
      assert.equal(existsSync(out), false, `${name}: no model folder`);
      assertOneLineFailure(rnnlab(['eval', model, file]), pattern);
    }
  });
});
