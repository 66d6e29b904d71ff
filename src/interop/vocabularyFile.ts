// vocab.json, written next to every export: the token list a Keras or PyTorch user needs to
// turn text into ids, and what an import reads back (`--vocab FILE` gives another one).

import { readFileSync } from 'node:fs';

import type { InputMode } from '../engine/config.js';
import { Vocabulary } from '../engine/tokenizer.js';
import type { VocabularyJSON } from '../engine/tokenizer.js';
import { InteropError } from './exportFolder.js';

export const VOCAB_FILE = 'vocab.json';
export const VOCAB_FORMAT = 'rnnlab-vocabulary';

export interface VocabularyFile extends VocabularyJSON {
  format: typeof VOCAB_FORMAT;
  /** How token ids enter the network: one-hot vectors of vocabulary width, or Embedding ids. */
  input: InputMode;
}

export function vocabularyFileText(vocabulary: VocabularyJSON, input: InputMode): string {
  const file: VocabularyFile = { format: VOCAB_FORMAT, mode: vocabulary.mode, charEos: vocabulary.charEos, input, tokens: [...vocabulary.tokens] };
  return JSON.stringify(file, null, 1) + '\n';
}

/**
 * Reads a vocabulary: RNN Lab's vocab.json, or a plain JSON list of token strings (characters,
 * one of them `<UNK>`). Throws InteropError naming the file.
 */
export function readVocabularyFile(path: string): VocabularyJSON {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InteropError(code === 'ENOENT' ? `the vocabulary ${path} does not exist` : `cannot read the vocabulary ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InteropError(`the vocabulary ${path} is corrupt: it is not valid JSON (${(error as Error).message})`);
  }
  const json = Array.isArray(raw) ? { mode: 'char', tokens: raw, charEos: raw.includes('<EOS>') } : raw;
  try {
    return Vocabulary.fromJSON(json).toJSON();
  } catch (error) {
    throw new InteropError(`the vocabulary ${path} is invalid: ${(error as Error).message}`);
  }
}
