// PyTorch interop: the weight mapping round-trips (always); where a python3 imports torch, the
// exported network rebuilt by train_ddp.py gives the engine's probabilities (≤ 1e-5) for RNN,
// GRU, LSTM and stacked models, and two processes train it with DDP on the loopback, their loss
// falls, they hold identical weights, and the result imports back into RNN Lab and samples.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { initBackend } from '../../src/engine/backend.js';
import type { NetworkOptions } from '../../src/engine/config.js';
import { softmaxRow } from '../../src/engine/network.js';
import { sample } from '../../src/engine/sampler.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { exportModel } from '../../src/interop/exportModel.js';
import { importModel } from '../../src/interop/importModel.js';
import { openModelForUse } from '../../src/interop/modelAccess.js';
import { fromPytorchTensors, toPytorchTensors } from '../../src/interop/pytorchLayout.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/interop/safetensors.js';
import { engineProbabilities, fixtureModelFolder, fixtureNetwork, maxAbsDiff, tempDir, TEST_TEXT } from './interopFixtures.js';

before(async () => {
  await initBackend('cpu');
});

/** The first python that imports torch and numpy: $RNNLAB_PYTHON, python3, /usr/bin/python3. */
function findTorchPython(): { python: string | null; why: string } {
  const tried: string[] = [];
  for (const python of [process.env.RNNLAB_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    const r = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python, why: '' };
    tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { python: null, why: tried.join('; ') };
}

describe('PyTorch weight layout (no Python needed)', () => {
  for (const options of [{ cell: 'rnn' }, { cell: 'gru', layers: 2 }, { cell: 'lstm', layers: 2, input: 'embedding', embeddingSize: 3 }] as NetworkOptions[]) {
    test(`${options.cell} ${options.layers ?? 1} layer(s): engine → state_dict → safetensors → engine is exact`, () => {
      const { net } = fixtureNetwork({ units: 4, ...options });
      const params = net.params.map((p) => ({ name: p.name, shape: p.shape, data: p.data }));
      const torch = toPytorchTensors(net.config, params);
      const bytes = encodeSafetensors(
        torch.map((t) => ({ ...t, dtype: 'F32' as const })),
        { format: 'test' },
      );
      const decoded = decodeSafetensors(bytes, 'test.safetensors');
      assert.equal(decoded.metadata.format, 'test');
      const back = fromPytorchTensors('test.safetensors', net.config, decoded.tensors);
      for (const p of net.params) assert.deepEqual(back.find((q) => q.name === p.name)?.data, p.data, p.name);
      // LSTM rows are in torch's i, f, g, o order: the g block (rows 2H…3H) is the engine's c̃ (columns 3H…4H).
      if (options.cell === 'lstm') {
        const Wx = net.param('layer0.fw.Wx').data;
        const wih = torch.find((t) => t.name === 'rnn.weight_ih_l0')!;
        assert.equal(wih.data[2 * 4 * 3 + 1], Wx[1 * 16 + 3 * 4]); // row 2H = 8 (c̃ unit 0), column 1 (input 1)
      }
    });
  }

  test('a truncated safetensors file is one clear message', () => {
    const bytes = encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [4], data: new Float32Array(4) }]);
    assert.throws(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'w.safetensors'), /w\.safetensors is truncated: tensor w ends at byte 16 of 12/);
  });
});

const { python: found, why } = findTorchPython();
const python = found ?? 'python3';
const skip = found ? false : `no python3 imports torch (${why}); install python3-torch libopenblas0-pthread or set RNNLAB_PYTHON`;

describe(`PyTorch export with ${python}`, { skip }, () => {
  test("train_ddp.py rebuilds RNN, GRU, LSTM and stacked networks with the engine's probabilities", () => {
    const layouts: NetworkOptions[] = [
      { cell: 'rnn', units: 6 },
      { cell: 'gru', units: 6 },
      { cell: 'lstm', units: 6 },
      { cell: 'lstm', layers: 2, units: 5, input: 'embedding', embeddingSize: 4 },
      { cell: 'gru', layers: 3, units: 4, input: 'embedding', embeddingSize: 3 },
    ];
    const work = tempDir('torch');
    const cases = layouts.map((options, i) => {
      const { net, vocab } = fixtureNetwork(options, 20 + i);
      const out = join(work, `export${i}`);
      exportModel(fixtureModelFolder(net, vocab), { format: 'pytorch', out });
      return { out, ours: engineProbabilities(net, vocab.encode(TEST_TEXT)), ids: Array.from(vocab.encode(TEST_TEXT)) };
    });
    const request = join(work, 'request.json');
    // train_ddp.py's tokeniser must cut text as the engine's does (words, apostrophes, numbers, marks, <EOS>).
    const wordText = "Don't stop: 3 café-owners said ‘no’ twice.\nThen ïdle_words², again!\n";
    const words = Vocabulary.build(wordText, { mode: 'word', minCount: 1 });
    const charsEos = Vocabulary.build(wordText, { mode: 'char', charEos: true });
    writeFileSync(
      request,
      JSON.stringify({
        cases: cases.map((c) => ({ folder: c.out, ids: c.ids })),
        tokenizers: [words, charsEos].map((v) => ({ vocab: v.toJSON(), text: wordText + ' unseen words' })),
      }),
    );
    // One Python process for every case: torch takes seconds to import.
    const script = [
      'import json, sys, torch',
      `sys.path.insert(0, ${JSON.stringify(cases[0].out)})`,
      'import train_ddp',
      'req = json.load(open(sys.argv[1]))',
      'out = {"cases": [], "tokenizers": [train_ddp.encode(t["text"], t["vocab"]).tolist() for t in req["tokenizers"]]}',
      'for c in req["cases"]:',
      '    cfg, vocab, model = train_ddp.load(c["folder"])',
      '    diff, _ = train_ddp.reference_difference(c["folder"], model)',
      '    model.eval()',
      '    with torch.no_grad(): p = torch.softmax(model(torch.tensor([c["ids"]])), -1)',
      '    out["cases"].append({"reference": diff, "probs": p.flatten().tolist()})',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync(python, ['-c', script, request], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const results = JSON.parse(r.stdout) as { cases: { reference: number; probs: number[] }[]; tokenizers: number[][] };
    assert.deepEqual(results.tokenizers[0], Array.from(words.encode(wordText + ' unseen words')));
    assert.deepEqual(results.tokenizers[1], Array.from(charsEos.encode(wordText + ' unseen words')));
    assert.ok(results.tokenizers[0].includes(words.unk) && results.tokenizers[0].includes(words.eos));
    results.cases.forEach((res, i) => {
      const label = `${layouts[i].cell} ×${layouts[i].layers ?? 1}`;
      assert.ok(res.reference <= 1e-5, `${label}: reference batch differs by ${res.reference}`);
      const diff = maxAbsDiff(cases[i].ours, res.probs);
      assert.ok(diff <= 1e-5, `${label}: probabilities on the test text differ by ${diff}`);
    });
  });

  test('torchrun --nproc_per_node 2: 20 DDP steps on the loopback, loss falls, identical ranks, imports back and samples', async () => {
    const { net, vocab } = fixtureNetwork({ cell: 'lstm', layers: 2, units: 24, input: 'embedding', embeddingSize: 8 }, 9);
    const work = tempDir('ddp');
    const exported = join(work, 'export');
    exportModel(fixtureModelFolder(net, vocab), { format: 'pytorch', out: exported });
    const text = join(work, 'text.txt');
    writeFileSync(text, TEST_TEXT.repeat(60));
    const trained = join(work, 'trained');
    const args = [
      '-m',
      'torch.distributed.run',
      '--standalone',
      '--nnodes',
      '1',
      '--nproc_per_node',
      '2',
      // Debian's torch 1.13 on Python 3.11 cannot parse the default "--redirects 0" (an IntFlag change); 1 = stdout works.
      '--redirects',
      '1',
      '--tee',
      '1',
      join(exported, 'train_ddp.py'),
      '--text',
      text,
      '--steps',
      '20',
      '--batch',
      '8',
      '--seq-len',
      '32',
      '--lr',
      '0.01',
      '--out',
      trained,
    ];
    const r = spawnSync(python, args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1', GLOO_SOCKET_IFNAME: 'lo' } });
    assert.equal(r.status, 0, `torchrun failed:\n${r.stdout}\n${r.stderr}`);
    const losses = [...r.stdout.matchAll(/^(?:\[default\d\]:)?step \d+\/20 loss ([\d.]+)$/gm)].map((m) => Number(m[1]));
    assert.equal(losses.length, 20, r.stdout);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)) - 0.1, `loss did not fall: ${losses.join(' ')}`);
    const digests = [...r.stdout.matchAll(/^(?:\[default\d\]:)?rank (\d): weights sha256 ([0-9a-f]{64})$/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(digests.map((d) => d[0]).sort(), ['0', '1'], r.stdout);
    assert.equal(digests[0][1], digests[1][1], 'the two ranks hold different weights');
    assert.match(r.stdout, /^(?:\[default0\]:)?reference check: max \|p_torch - p_rnnlab\| = \S+ over 2x16x\d+ probabilities/m);

    const imported = join(work, 'imported');
    importModel(trained, { out: imported, format: 'pytorch' });
    const model = await openModelForUse(imported);
    // The trained weights, back in the engine, give the probabilities PyTorch saved with them.
    const ref = decodeSafetensors(readFileSync(join(trained, 'reference.safetensors')), 'reference');
    const ids = ref.tensors.get('ids')!.data as Int32Array;
    const [B, T] = ref.tensors.get('ids')!.shape;
    const V = vocab.size;
    const timeMajor = new Int32Array(B * T);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) timeMajor[t * B + b] = ids[b * T + t];
    const pass = model.network.forward(timeMajor, B, T, null);
    const ours = new Float32Array(B * T * V);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) ours.set(softmaxRow(pass.logits, (t * B + b) * V, V), (b * T + t) * V);
    const diff = maxAbsDiff(ours, ref.tensors.get('probs')!.data);
    assert.ok(diff <= 1e-5, `imported model differs from PyTorch's by ${diff}`);
    assert.ok(maxAbsDiff(model.network.param('output.by').data, net.param('output.by').data) > 1e-4, 'training changed the weights');
    const s = sample(model, { prime: 'To be', length: 40, seed: 1 });
    assert.equal(s.generatedTokens, 40);
    process.stderr.write(`interop-pytorch: DDP losses ${losses[0]} → ${losses[19]}; imported sample: ${JSON.stringify(s.text)}\n`);
  });
});
