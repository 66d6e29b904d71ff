// Pure helpers (no vscode import) for where a model's results go: Evaluate's report for the
// output channel and its toast, and where and in which language sampled text opens.

import type { ScoreResult } from '../engine/types.js';

/** Evaluate's outcome: one line for the toast, a block of lines to read again in the log. */
export interface EvaluationReport {
  summary: string;
  lines: string[];
}

export function evaluationReport(
  model: string, checkpoint: 'root' | 'latest' | 'best', document: string, r: Pick<ScoreResult, 'tokens' | 'loss' | 'bitsPerToken' | 'perplexity' | 'logProb'>,
): EvaluationReport {
  const tokens = r.tokens.toLocaleString('en-US');
  const summary = `${model} on ${document}: loss ${r.loss.toFixed(4)} nats/token, ${r.bitsPerToken.toFixed(3)} bits/token, perplexity ${r.perplexity.toFixed(2)} over ${tokens} tokens.`;
  const lines = [
    `Evaluation of ${model}${checkpoint === 'root' ? '' : ` (checkpoint ${checkpoint})`} on ${document}:`,
    `  tokens       ${tokens}`,
    `  loss         ${r.loss.toFixed(4)} nats/token`,
    `  bits         ${r.bitsPerToken.toFixed(3)} bits/token`,
    `  perplexity   ${r.perplexity.toFixed(2)}`,
    `  log P(text)  ${r.logProb.toFixed(1)} nats`,
  ];
  return { summary, lines };
}

/** A language as an extension contributes it (package.json `contributes.languages`). */
export interface LanguageContribution {
  id: string;
  extensions?: string[];
  filenames?: string[];
}

/**
 * The language id VS Code gives a file of this name (the longest matching extension wins, so
 * `.d.ts` beats `.ts`); plaintext when none matches or there is no name.
 */
export function languageForFileName(fileName: string | undefined, languages: readonly LanguageContribution[]): string {
  if (!fileName) return 'plaintext';
  const base = fileName.replace(/^.*[\\/]/, '');
  const lower = base.toLowerCase();
  let best: { id: string; length: number } | null = null;
  for (const lang of languages) {
    if (lang.filenames?.includes(base)) return lang.id;
    for (const ext of lang.extensions ?? []) {
      if (ext !== '' && lower.endsWith(ext.toLowerCase()) && (!best || ext.length > best.length)) best = { id: lang.id, length: ext.length };
    }
  }
  return best?.id ?? 'plaintext';
}

/**
 * The editor column for sampled text: beside the active editor when it is alone, else another
 * group already on screen, so a sample never squeezes a new third group in. Undefined
 * `active` (no editor): the first group.
 */
export function sampleColumn(active: number | undefined, groupColumns: readonly number[]): number | 'beside' {
  if (active === undefined) return groupColumns[0] ?? 1;
  const other = groupColumns.find((c) => c > active) ?? groupColumns.find((c) => c !== active);
  return other ?? 'beside';
}
