// Tokenises a text file for train and eval: a progress bar on a terminal, one line with the
// speed for big files, and the trainer's data errors turned into sentences naming the file.

import { SingleBar } from 'cli-progress';

import { buildCorpus } from '../training/corpus.js';
import type { Corpus, CorpusOptions } from '../training/corpus.js';
import { DataError } from '../training/batches.js';
import { InputError } from './cliErrors.js';
import { openTextSource } from './textSource.js';

/** Files from this size on get a line saying how fast they were read, even without a terminal. */
const REPORT_BYTES = 16 * 1024 * 1024;

export interface ReadCorpusOptions extends CorpusOptions {
  /** Where the bar and the summary line go (stderr): stdout may be JSON lines. */
  err?: NodeJS.WriteStream;
}

export function readCorpusFile(path: string, what: string, options: ReadCorpusOptions): Corpus {
  const err = options.err ?? process.stderr;
  const source = openTextSource(path, what);
  const total = source.totalBytes;
  let bar: SingleBar | null = null;
  if (err.isTTY && total !== null && total >= REPORT_BYTES) {
    bar = new SingleBar({ stream: err, format: 'tokenising {bar} {percentage}% | {phase} | {mb} MB', hideCursor: false, clearOnComplete: true, barsize: 30 });
    bar.start(2 * total, 0, { phase: 'counting', mb: 0 });
  }
  let corpus: Corpus;
  try {
    corpus = buildCorpus(source, {
      ...options,
      onProgress: (phase, done) => bar?.update(done, { phase, mb: Math.round((done - (phase === 'encoding' ? total! : 0)) / 1e6) }),
    });
  } catch (error) {
    if (error instanceof DataError) throw new InputError(`${path}: ${error.message}`);
    throw error;
  } finally {
    bar?.stop();
    source.close();
  }
  if (corpus.bytes >= REPORT_BYTES) {
    const mb = corpus.bytes / 1e6;
    const seconds = corpus.elapsedMs / 1000;
    err.write(
      `rnnlab: tokenised ${Math.round(mb).toLocaleString('en-US')} MB in ${seconds.toFixed(1)} s (${(mb / seconds).toFixed(0)} MB/s): ${corpus.tokens.length.toLocaleString('en-US')} tokens, kept ${corpus.storage === 'memory' ? 'in memory' : 'in a temporary file'}\n`,
    );
  }
  return corpus;
}
