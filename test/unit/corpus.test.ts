// buildCorpus: the streaming two-pass tokeniser gives exactly the vocabulary and ids of
// Vocabulary.build + encode, stores them in the narrowest typed array, and spills to a file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { initBackend } from '../../src/engine/backend.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { evaluateStream } from '../../src/engine/evaluate.js';
import { Network } from '../../src/engine/network.js';
import { score } from '../../src/engine/sampler.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { wasmDir } from './helpers.js';
import { buildCorpus } from '../../src/training/corpus.js';
import type { TextSource } from '../../src/training/corpus.js';
import { MemoryTokens } from '../../src/training/tokenSequence.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-corpus-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The text's UTF-8 cut into chunks of about `size` bytes, never inside a code point. */
function chunked(text: string, size: number): TextSource {
  const bytes = Buffer.from(text, 'utf8');
  return {
    totalBytes: bytes.length,
    *chunks(onBytes) {
      for (let i = 0; i < bytes.length;) {
        let end = Math.min(bytes.length, i + size);
        while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end++;
        onBytes(end - i);
        yield bytes.subarray(i, end);
        i = end;
      }
    },
  };
}

function allIds(tokens: { length: number; read(s: number, n: number, out: Int32Array): void }): number[] {
  const out = new Int32Array(tokens.length);
  tokens.read(0, tokens.length, out);
  return [...out];
}

const TEXT = 'The cat sat on the mat.\nA dog ran, and ran!\n😀 émigré naïve 😀\nthe end\n'.repeat(7);

describe('buildCorpus', () => {
  for (const mode of ['char', 'word'] as const) {
    for (const charEos of [false, true]) {
      test(`${mode} tokens${charEos ? ' with charEos' : ''} match Vocabulary.build + encode, whatever the chunking`, () => {
        const options = { mode, charEos, minCount: 2, maxVocab: 30 };
        const vocab = Vocabulary.build(TEXT, options);
        const ids = [...vocab.encode(TEXT)];
        for (const size of [1, 5, 64, 100_000]) {
          const c = buildCorpus(chunked(TEXT, size), options);
          assert.deepEqual(c.vocab.toJSON(), vocab.toJSON());
          assert.deepEqual(allIds(c.tokens), ids, `chunks of ${size}`);
          assert.equal(c.unknown, ids.filter((id) => id === vocab.unk).length);
          c.close();
        }
      });
    }
  }

  test('char ids of a small vocabulary take one byte each', () => {
    const c = buildCorpus(chunked(TEXT, 50), { mode: 'char' });
    assert.ok(c.tokens instanceof MemoryTokens);
    assert.ok((c.tokens as MemoryTokens).ids instanceof Uint8Array);
    assert.equal(c.storage, 'memory');
  });

  test('past the memory limit the ids go to a temporary file and read back the same', () => {
    const expected = [...Vocabulary.build(TEXT, { mode: 'char' }).encode(TEXT)];
    const c = buildCorpus(chunked(TEXT, 50), { mode: 'char', memoryBytes: 100, tempDir: work });
    assert.equal(c.storage, 'file');
    assert.deepEqual(allIds(c.tokens), expected);
    const part = new Int32Array(10);
    c.tokens.subarray(100, 200).read(5, 10, part);
    assert.deepEqual([...part], expected.slice(105, 115));
    c.close();
  });

  test('the byte-level path of ASCII chunks: the same ids, <UNK>s counted, across the blocks of a file store', () => {
    // Over 4 Mi tokens, so the file store's blocks fill and the fast loop restarts mid-chunk.
    const line = 'the cat sat on the mat; a dog ran~\n';
    const text = line.repeat(130_000) + 'naïe\n';
    const vocab = Vocabulary.build('the cat sat on the mat. a dog ran\n', { mode: 'char' });
    // Encoding the line once: Vocabulary.encode of the whole 4.5 MB takes seconds.
    const lineIds = vocab.encode(line);
    const expected = new Int32Array(lineIds.length * 130_000 + 5);
    for (let i = 0; i < 130_000; i++) expected.set(lineIds, i * lineIds.length);
    expected.set(vocab.encode('naïe\n'), lineIds.length * 130_000);
    const c = buildCorpus(chunked(text, 1 << 20), { mode: 'char', vocabulary: vocab, memoryBytes: 1000, tempDir: work });
    assert.equal(c.storage, 'file');
    assert.equal(c.tokens.length, expected.length);
    const got = new Int32Array(expected.length);
    c.tokens.read(0, expected.length, got);
    assert.ok(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer)), 'every id as Vocabulary.encode gives it');
    assert.equal(c.unknown, 2 * 130_000 + 1); // ';' and '~' on each line, 'ï' once
    assert.deepEqual(c.unknownExamples, [';', '~', 'ï']);
    c.close();
  });

  test('with a given vocabulary, unknown symbols are counted and shown', () => {
    const vocab = Vocabulary.build('abc\n', { mode: 'char' });
    const c = buildCorpus(chunked('abcxyz', 2), { mode: 'char', vocabulary: vocab });
    assert.equal(c.unknown, 3);
    assert.deepEqual(c.unknownExamples, ['x', 'y', 'z']);
  });

  test('streaming eval over file-backed ids gives the loss score() gives on the whole text', async () => {
    await initBackend('wasm', { wasmDir });
    const vocab = Vocabulary.build(TEXT, { mode: 'char' });
    const network = Network.create(resolveNetworkConfig({ cell: 'lstm', units: 8 }, vocab.size, 'char'), 3);
    const whole = score({ network, vocab }, TEXT);
    const c = buildCorpus(chunked(TEXT, 7), { mode: 'char', vocabulary: vocab, memoryBytes: 10, tempDir: work });
    const streamed = evaluateStream(network, c.tokens, 1, 50);
    assert.equal(streamed.tokens, whole.tokens);
    assert.ok(Math.abs(streamed.loss - whole.loss) < 1e-5, `${streamed.loss} vs ${whole.loss}`);
    c.close();
    network.dispose();
  });
});
