// `rnnlab eval DIR FILE`: loss (nats per token), bits per token and perplexity of a text, or
// of its first --max-tokens tokens (the rest of a huge file is then not even read).

import { evaluateStream } from '../engine/evaluate.js';
import { score } from '../engine/sampler.js';
import { readCorpusFile } from './readCorpus.js';
import { openModel } from './openModel.js';
import type { ModelFlags } from './openModel.js';
import { readTextFile } from './readTextFile.js';
import { InputError, UsageError } from './cliErrors.js';

export interface EvalFlags extends ModelFlags {
  json?: boolean;
  perToken?: boolean;
  maxTokens?: number;
}

export async function runEval(dir: string, file: string, flags: EvalFlags, wasmDir: string): Promise<number> {
  if (flags.maxTokens !== undefined && flags.maxTokens < 1) throw new UsageError('--max-tokens must be at least 1');
  if (flags.perToken && flags.maxTokens !== undefined) throw new UsageError('--per-token lists every token of the text, so it cannot be combined with --max-tokens');
  if (!flags.perToken) return evalStreaming(dir, file, flags, wasmDir);
  const text = readTextFile(file, 'text file to evaluate');
  const { model, backend } = await openModel(dir, flags, wasmDir);
  if (model.vocab.encode(text).length < 2) throw new InputError(`${file} has too little text to evaluate: it needs at least two tokens`);
  const result = score(model, text);
  if (!Number.isFinite(result.loss)) {
    throw new InputError(`${dir} gives a non-finite loss (${result.loss}) on ${file}: its weights diverged; use an earlier checkpoint or train again with a lower learning rate`);
  }
  const summary: Record<string, unknown> = {
    tokens: result.tokens,
    loss: result.loss,
    bitsPerToken: result.bitsPerToken,
    perplexity: result.perplexity,
  };
  if (flags.perToken) summary.surprisal = result.surprisal;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  }
  const lines = summaryLines(result, backend.name);
  if (flags.perToken) {
    lines.push('surprisal (nats) per token:');
    for (let i = 0; i < result.surprisal.length; i++) {
      lines.push(`  ${JSON.stringify(result.tokenTexts[i + 1] ?? '')}\t${result.surprisal[i]!.toFixed(3)}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** Window of the streaming score; the state is carried across windows, so it is score() exactly. */
const STREAM_WINDOW = 512;

/** The loss of a text of any size, read in windows from its token ids (in memory or a file). */
async function evalStreaming(dir: string, file: string, flags: EvalFlags, wasmDir: string): Promise<number> {
  const { model, backend } = await openModel(dir, flags, wasmDir);
  // N scored tokens need N + 1 ids: each is scored on the one after it.
  const limit = flags.maxTokens === undefined ? {} : { maxTokens: flags.maxTokens + 1 };
  const corpus = readCorpusFile(file, 'text file to evaluate', { mode: model.vocab.mode, vocabulary: model.vocab, ...limit });
  try {
    if (corpus.tokens.length < 2) throw new InputError(`${file} has too little text to evaluate: it needs at least two tokens`);
    const r = evaluateStream(model.network, corpus.tokens, 1, STREAM_WINDOW);
    const result = { tokens: r.tokens, loss: r.loss, bitsPerToken: r.loss / Math.LN2, perplexity: Math.exp(r.loss), truncated: corpus.truncated };
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    const lines = summaryLines(result, backend.name);
    if (corpus.truncated) lines.push(`scored: the first ${r.tokens.toLocaleString('en-US')} tokens of ${file} (--max-tokens ${flags.maxTokens!.toLocaleString('en-US')}); the rest was not read`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    corpus.close();
  }
}

function summaryLines(r: { tokens: number; loss: number; bitsPerToken: number; perplexity: number }, backend: string): string[] {
  return [
    `tokens: ${r.tokens.toLocaleString('en-US')}`,
    `loss: ${r.loss.toFixed(4)} nats/token`,
    `bits per token: ${r.bitsPerToken.toFixed(4)}`,
    `perplexity: ${r.perplexity.toFixed(3)}`,
    `backend: ${backend}`,
  ];
}
