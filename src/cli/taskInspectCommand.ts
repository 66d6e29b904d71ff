// `rnnlab inspect DIR --text TEXT` on a classify or tag model: what the model answers (a
// classifier's label, its answer after every token and each token's saliency; a tagger's tag per
// token), the encoder's gate saturation and, with --gradients, gradient flow of the task's loss.

import { initBackend } from '../engine/backend.js';
import type { BackendChoice } from '../engine/config.js';
import type { ClassifyInspection, InspectResult, TagInspection } from '../engine/types.js';
import { loadTaskInspector } from '../training/tasks/taskInspect.js';
import { UsageError } from './cliErrors.js';
import type { InspectFlags } from './inspectCommand.js';
import { gradientLines, inspectJson, saturationLines } from './inspectCommand.js';

export interface TaskInspectFlags extends InspectFlags {
  beam?: number;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of up to `width` cells for x out of max, to an eighth of a cell. */
export function bar(x: number, max: number, width = 20): string {
  const eighths = max > 0 ? Math.round((x / max) * width * 8) : 0;
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** How a token is shown in a table column: its text without surrounding whitespace, quoted. */
const shown = (token: string) => JSON.stringify(token.trim());

function classifyLines(result: InspectResult, task: ClassifyInspection): string[] {
  const top = task.labels[task.predicted];
  const width = Math.min(24, Math.max(5, ...result.tokens.map((t) => shown(t).length)));
  const max = Math.max(...task.saliency);
  return [
    `predicted: ${top} (${task.labels.map((l, k) => `${l} ${task.probabilities[k].toFixed(4)}`).join(', ')})`,
    `saliency ‖∂ log p(${top})/∂x⟨t⟩‖ per token, and p(${top}) had the text stopped after it:`,
    `${'token'.padEnd(width)}  ${'saliency'.padEnd(20)} ${''.padStart(9)}  p(${top})`,
    ...result.tokens.map((t, i) => `${shown(t).padEnd(width)}  ${bar(task.saliency[i], max).padEnd(20)} ${task.saliency[i].toExponential(2).padStart(9)}  ${task.stepProbabilities[i][task.predicted].toFixed(4)}`),
  ];
}

function tagLines(result: InspectResult, task: TagInspection): string[] {
  const width = Math.min(24, Math.max(5, ...result.tokens.map((t) => t.trim().length)));
  const tagWidth = Math.max(3, ...task.tags.map((t) => t.length));
  return [
    `${'token'.padEnd(width)}  ${'tag'.padEnd(tagWidth)}  p`,
    ...result.tokens.map((t, i) => {
      const k = task.predicted[i];
      return `${t.trim().padEnd(width)}  ${task.tags[k].padEnd(tagWidth)}  ${task.probabilities[i][k].toFixed(4)}`;
    }),
  ];
}

/** Inspection of a classify or tag model (seq2seq keeps its own command, seq2seqCommands.ts). */
export async function runInspectTask(dir: string, flags: TaskInspectFlags, wasmDir: string): Promise<number> {
  if (flags.text === '') throw new UsageError('--text must not be empty');
  if (flags.topK !== undefined) throw new UsageError('--top-k is for language models: a task model predicts no next token');
  if (flags.beam !== undefined) throw new UsageError('--beam is for seq2seq models');
  await initBackend(flags.backend ?? ('auto' as BackendChoice), { wasmDir });
  const inspector = loadTaskInspector(dir, flags.checkpoint ?? 'root');
  try {
    if (inspector.task === 'classify' && flags.position !== undefined) throw new UsageError("--position is for language and tag models: a classifier's loss is read after the last token");
    const result = inspector.inspect(flags.text, { gradients: flags.gradients === true, ...(flags.position !== undefined ? { position: flags.position } : {}) });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(inspectJson(result))}\n`);
      return 0;
    }
    const task = result.task;
    const lines = task?.task === 'classify' ? classifyLines(result, task) : task?.task === 'tag' ? tagLines(result, task) : [];
    const loss = task?.task === 'classify' ? `log p(${task.labels[task.predicted]})` : `L⟨${result.gradients?.position}⟩`;
    process.stdout.write(`${[...lines, ...saturationLines(result), ...gradientLines(result, loss)].join('\n')}\n`);
    return 0;
  } finally {
    inspector.dispose();
  }
}
