// Entry of dist/bench.js, loaded by `rnnlab bench`: the engine's training throughput against
// tfjs-layers and PyTorch, sampling speed and completion latency (measured by trainBench.ts).

import type { BenchFlags } from '../src/cli/benchCommand.js';
import { runBench } from './trainBench.js';
import type { BenchResult } from './trainBench.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');

export function benchLines(r: BenchResult): string[] {
  const c = r.config;
  return [
    `backend: ${r.backend}`,
    `reference: char LM, ${c.layers}-layer ${c.cell.toUpperCase()} ${c.units} units, vocabulary ${c.vocabSize}, batch ${c.batch}, T ${c.seqLen}, ${c.optimizer}`,
    `rnnlab engine: ${n(r.ours.tokensPerSecond)} tokens/s (${r.ours.msPerStep.toFixed(1)} ms/step)`,
    `tfjs-layers:   ${n(r.tfjsLayers.tokensPerSecond)} tokens/s (${r.tfjsLayers.msPerStep.toFixed(1)} ms/step)`,
    `ratio: ${r.ratio.toFixed(2)}×`,
    `sampling (batch 1, ${r.sampling.layers}×${r.sampling.units}): ${n(r.sampling.tokensPerSecond)} tokens/s`,
    `completion (${r.completion.model}, ${r.completion.requests} requests): typing p50 ${r.completion.typingP50Ms.toFixed(2)} ms, p95 ${r.completion.typingP95Ms.toFixed(2)} ms; cold ${r.completion.contextChars}-char context p50 ${r.completion.coldP50Ms.toFixed(2)} ms, p95 ${r.completion.coldP95Ms.toFixed(2)} ms`,
  ];
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
