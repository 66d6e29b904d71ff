// `rnnlab sample DIR`: prints the sampled text (prime included) and nothing else.

import { sample } from '../engine/sampler.js';
import type { SampleOptions } from '../engine/types.js';
import { UsageError } from './cliErrors.js';
import { openModel } from './openModel.js';
import type { ModelFlags } from './openModel.js';

export interface SampleFlags extends ModelFlags {
  prime?: string;
  length?: number;
  temperature?: number;
  topK?: number;
  seed?: number;
  stopAtNewline?: boolean;
}

/** Range checks the sampler would otherwise meet half-way through (exit 2, before loading). */
export function sampleOptionsFrom(flags: SampleFlags): SampleOptions {
  const options: SampleOptions = {};
  if (flags.length !== undefined) {
    if (!Number.isInteger(flags.length) || flags.length < 0) throw new UsageError(`--length must be a whole number ≥ 0, got ${flags.length}`);
    options.length = flags.length;
  }
  if (flags.temperature !== undefined) {
    if (!(flags.temperature >= 0)) throw new UsageError(`--temperature must be ≥ 0, got ${flags.temperature}`);
    options.temperature = flags.temperature;
  }
  if (flags.topK !== undefined) {
    if (!Number.isInteger(flags.topK) || flags.topK < 0) throw new UsageError(`--top-k must be a whole number ≥ 0, got ${flags.topK}`);
    options.topK = flags.topK;
  }
  if (flags.seed !== undefined) {
    if (!Number.isInteger(flags.seed) || flags.seed < 0) throw new UsageError(`--seed must be a whole number ≥ 0, got ${flags.seed}`);
    options.seed = flags.seed;
  }
  if (flags.prime !== undefined) options.prime = flags.prime;
  if (flags.stopAtNewline) options.stopAtNewline = true;
  return options;
}

export async function runSample(dir: string, flags: SampleFlags, wasmDir: string): Promise<number> {
  const options = sampleOptionsFrom(flags);
  const { model } = await openModel(dir, flags, wasmDir);
  const result = sample(model, options);
  // Exactly the text; a final newline only for a terminal, so pipes get the bytes as sampled.
  process.stdout.write(result.text + (process.stdout.isTTY && !result.text.endsWith('\n') ? '\n' : ''));
  return 0;
}
