// Entry of dist/bench.js, run by `rnnlab bench` with its flags as one JSON argument: the engine's training throughput against
// tfjs-layers and PyTorch, sampling speed and completion latency (measured by trainBench.ts).

import type { BenchFlags } from '../src/cli/benchCommand.js';
import { runBench } from './trainBench.js';
import type { BenchResult, InferenceResult } from './trainBench.js';
import { blasName } from './pytorchBench.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');

const fixed = (x: number, d = 1) => x.toFixed(d);

/** Sampling, completion and inspector figures of one kernel path. */
function inferenceLines(r: InferenceResult, path: string): string[] {
  return [
    `${path}: sampling (batch 1, ${r.sampling.layers}×${r.sampling.units}): ${n(r.sampling.tokensPerSecond)} tokens/s`,
    `${path}: completion (${r.completion.model}, ${r.completion.requests} requests): typing p50 ${r.completion.typingP50Ms.toFixed(2)} ms, p95 ${r.completion.typingP95Ms.toFixed(2)} ms; cold ${r.completion.contextChars}-char context (${r.completion.coldRequests} requests) p50 ${r.completion.coldP50Ms.toFixed(2)} ms, p95 ${r.completion.coldP95Ms.toFixed(2)} ms`,
    `${path}: gate inspector (${r.inspection.model}, ${r.inspection.chars} chars, ${r.inspection.runs} runs): engine p50 ${r.inspection.engineP50Ms.toFixed(1)} ms, p95 ${r.inspection.engineP95Ms.toFixed(1)} ms; packing ${r.inspection.wireP50Ms.toFixed(1)} ms; message ${(r.inspection.messageBytes / 1e6).toFixed(2)} MB`,
  ];
}

export function benchLines(r: BenchResult): string[] {
  const lines = [
    `backend: ${r.backend}; load average ${r.loadAverage.map((x) => fixed(x, 2)).join(' ')}`,
    r.kernels.path === 'native' ? `kernels: native, ${r.kernels.detail}` : `kernels: portable (${r.kernels.reason})`,
  ];
  if ('missing' in r.pytorch) lines.push(r.pytorch.missing);
  else {
    const env = Object.entries(r.pytorch.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    lines.push(`PyTorch ${r.pytorch.torch} (${r.pytorch.python}), BLAS ${blasName(r.pytorch.libraries)}${env ? `; ${env}` : ''}`);
  }
  if (r.sgemmPeak) lines.push(`sgemm peak: ${fixed(r.sgemmPeak.gflops)} GFLOP/s (${r.sgemmPeak.source}, 1024² products)`);
  const cols = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd([10, 24][i]) : c.padStart(i === 2 ? 22 : i === 4 ? 13 : 11))).join(' ');
  lines.push(
    cols(['shape', 'LSTM, V 65, Adam', 'rnnlab tok/s', 'GFLOP/s', 'portable', '× portable', 'tfjs-layers', 'PyTorch', 'GFLOP/s', '× layers', '× PyTorch']),
  );
  for (const s of r.shapes) {
    const { shape: c } = s;
    const pt = s.pytorch;
    lines.push(
      cols([
        c.name,
        `${c.layers}×${c.units}, B ${c.batch}, T ${c.seqLen}`,
        `${n(s.ours.tokensPerSecond)} (${s.ours.path} ×${s.ours.workers})`,
        fixed(s.ours.gflops),
        `${n(s.portable.tokensPerSecond)} (×${s.portable.workers})`,
        `${fixed(s.vsPortable, 2)}×`,
        n(s.tfjsLayers.tokensPerSecond),
        pt ? `${n(pt.tokensPerSecond)} (${pt.threads}t)` : '-',
        pt ? fixed(pt.gflops) : '-',
        `${fixed(s.vsLayers, 2)}×`,
        s.vsPytorch !== null ? `${fixed(s.vsPytorch, 2)}×` : '-',
      ]),
    );
  }
  lines.push(
    'GFLOP/s: the dense products a step needs (6·m·n per token per product; one-hot input as a row lookup); ×N: data-parallel engines per step (--workers)',
    `tokenising char text (${fixed(r.tokenise.mb, 0)} MB in memory): ${fixed(r.tokenise.streamingMbPerSecond, 0)} MB/s building the vocabulary, ${fixed(r.tokenise.knownVocabMbPerSecond, 0)} MB/s with it known; decoded to a string + Vocabulary.build/encode (${fixed(r.tokenise.peerMb, 0)} MB) ${fixed(r.tokenise.stringMbPerSecond, 1)} MB/s; ${fixed(r.tokenise.ratio, 1)}×`,
  );
  lines.push(...inferenceLines(r, r.kernels.path));
  if (r.portableInference) lines.push(...inferenceLines(r.portableInference, 'portable'));
  return lines;
}

export async function runBenchCommand(flags: BenchFlags, wasmDir: string): Promise<number> {
  const result = await runBench({
    backend: flags.backend ?? 'auto',
    wasmDir,
    ...(flags.steps !== undefined ? { steps: flags.steps } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `${benchLines(result).join('\n')}\n`);
  return 0;
}

if (require.main === module) {
  runBenchCommand(JSON.parse(process.argv[2] ?? '{}') as BenchFlags, __dirname).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`rnnlab bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
