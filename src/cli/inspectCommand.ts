// `rnnlab inspect DIR --text TEXT`: per layer and time step every gate and state the cell has,
// saturation, next-token predictions and (with --gradients) gradient flow through time.

import { CELL_GATES } from '../engine/config.js';
import { inspect, round6, saturation } from '../engine/inspect.js';
import type { InspectResult } from '../engine/types.js';
import { UsageError } from './cliErrors.js';
import { openModel } from './openModel.js';
import type { ModelFlags } from './openModel.js';

export interface InspectFlags extends ModelFlags {
  text: string;
  json?: boolean;
  gradients?: boolean;
  topK?: number;
  position?: number;
}

/**
 * The JSON printed by --json: each layer carries its gates as `[T][units]` arrays by name, and
 * every cell an `a` (a GRU's is its c: the notes' a⟨t⟩ = c⟨t⟩), so a script reads `a` of any cell.
 */
export function inspectJson(result: InspectResult): Record<string, unknown> {
  return {
    tokens: result.tokens,
    offsets: result.offsets,
    cell: result.cell,
    layers: result.layers.map((l) => ({
      layer: l.layer,
      ...(l.part ? { part: l.part } : {}),
      direction: l.direction,
      cell: l.cell,
      units: l.units,
      ...l.gates,
      a: l.gates.a ?? l.gates.c,
      saturation: l.gates.a || !l.gates.c ? l.saturation : { ...l.saturation, a: saturation(l.gates.c, 'a') },
    })),
    predictions: result.predictions,
    ...(result.decoderTokens ? { decoderTokens: result.decoderTokens } : {}),
    ...(result.gradients ? { gradients: result.gradients } : {}),
    ...(result.task ? { task: roundNumbers(result.task) } : {}),
  };
}

/** A copy with every number rounded to six decimals, as the traces are (a task model's probabilities, saliency). */
function roundNumbers<T>(value: T): T {
  if (typeof value === 'number') return round6(value) as T;
  if (Array.isArray(value)) return value.map(roundNumbers) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundNumbers(v)])) as T;
  return value;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Each layer's saturation per gate (a seq2seq decoder's layers marked as such). */
export function saturationLines(result: InspectResult): string[] {
  const lines: string[] = [];
  for (const l of result.layers) {
    lines.push(`${l.part === 'decoder' ? 'decoder ' : ''}layer ${l.layer} (${l.direction}, ${l.cell}, ${l.units} units):`);
    for (const gate of CELL_GATES[l.cell]) {
      const s = l.saturation[gate];
      if (s) lines.push(`  ${gate.padEnd(7)} saturated low ${pct(s.low).padStart(6)}, high ${pct(s.high).padStart(6)}`);
    }
  }
  return lines;
}

/** The gradient flow's norms per layer, when there are any. */
export function gradientLines(result: InspectResult, loss = `L⟨${result.gradients?.position}⟩`): string[] {
  if (!result.gradients) return [];
  const steps = result.gradients.norms[0]?.length ?? 0;
  return [
    `gradient flow ‖∂${loss}/∂a⟨t⟩‖ for t = 0 … ${steps - 1}:`,
    ...result.gradients.norms.map((norms, layer) => `  layer ${layer}: ${norms.map((n) => n.toExponential(2)).join(' ')}`),
  ];
}

function humanLines(result: InspectResult): string[] {
  const lines = [`tokens (${result.tokens.length}): ${result.tokens.map((t) => JSON.stringify(t)).join(' ')}`, ...saturationLines(result)];
  const last = result.predictions[result.predictions.length - 1];
  if (last) lines.push(`next token after the text: ${last.map((p) => `${JSON.stringify(p.token)} ${p.p.toFixed(3)}`).join(', ')}`);
  return [...lines, ...gradientLines(result)];
}

export async function runInspect(dir: string, flags: InspectFlags, wasmDir: string): Promise<number> {
  if (flags.text === '') throw new UsageError('--text must not be empty');
  if (flags.topK !== undefined && (!Number.isInteger(flags.topK) || flags.topK < 1)) {
    throw new UsageError(`--top-k must be a whole number ≥ 1, got ${flags.topK}`);
  }
  const { model } = await openModel(dir, flags, wasmDir);
  const options: { topK?: number; gradients?: boolean; position?: number } = { gradients: flags.gradients === true };
  if (flags.topK !== undefined) options.topK = flags.topK;
  if (flags.position !== undefined) options.position = flags.position;
  const result = inspect(model, flags.text, options);
  if (flags.json) process.stdout.write(`${JSON.stringify(inspectJson(result))}\n`);
  else process.stdout.write(`${humanLines(result).join('\n')}\n`);
  return 0;
}
