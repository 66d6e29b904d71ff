// `rnnlab eval DIR FILE`: loss (nats per token), bits per token and perplexity of a text.

import { score } from '../engine/sampler.js';
import { openModel } from './openModel.js';
import type { ModelFlags } from './openModel.js';
import { readTextFile } from './readTextFile.js';
import { InputError } from './cliErrors.js';

export interface EvalFlags extends ModelFlags {
  json?: boolean;
  perToken?: boolean;
}

export async function runEval(dir: string, file: string, flags: EvalFlags, wasmDir: string): Promise<number> {
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
  const lines = [
    `tokens: ${result.tokens.toLocaleString('en-US')}`,
    `loss: ${result.loss.toFixed(4)} nats/token`,
    `bits per token: ${result.bitsPerToken.toFixed(4)}`,
    `perplexity: ${result.perplexity.toFixed(3)}`,
    `backend: ${backend.name}`,
  ];
  if (flags.perToken) {
    lines.push('surprisal (nats) per token:');
    for (let i = 0; i < result.surprisal.length; i++) {
      lines.push(`  ${JSON.stringify(result.tokenTexts[i + 1] ?? '')}\t${result.surprisal[i]!.toFixed(3)}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
