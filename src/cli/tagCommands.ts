// The tag task on the command line: `train --task tag`, and `eval` and `predict` on a tag model
// (each token with its tag and probability).

import { initBackend } from '../engine/backend.js';
import type { BackendChoice } from '../engine/config.js';
import { readTagged } from '../training/tasks/tagReader.js';
import type { TagEvaluation, TokenTag } from '../training/tasks/tagModel.js';
import { evaluateSentences, loadTagger, tagText } from '../training/tasks/tagModel.js';
import { resumedConfig } from '../training/tasks/classifyTrainer.js';
import { prepareTag, resumeTagger, trainTagger } from '../training/tasks/tagTrainer.js';
import type { ClassifyFlags, PredictFlags } from './classifyCommands.js';
import { EXIT_OK, InputError, UsageError } from './cliErrors.js';
import { readTextFile } from './readTextFile.js';
import { runTaskTrain } from './taskTrain.js';
import type { TrainFlags } from './trainCommand.js';
import { trainOptionsFrom } from './trainCommand.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const f4 = (x: number) => x.toFixed(4);

export function runTrainTag(file: string, flags: TrainFlags, wasmDir: string): Promise<number> {
  const options = trainOptionsFrom(flags);
  const read = () => readTagged(readTextFile(file, 'tag file to train on'), file);
  return runTaskTrain(file, flags, wasmDir, {
    task: 'tag',
    fresh: () => {
      const data = read();
      if (data.tags.length < 2) throw new InputError(`${file} has only the tag ${data.tags[0]}; a tagger needs at least 2 tags`);
      const prepared = prepareTag(data, options);
      if (prepared.validation.ids.length === 0) throw new InputError(`${file} has one sentence, too few for a validation split; give at least 2`);
      return { config: prepared.config, description: data.description, start: (run) => trainTagger(prepared, run) };
    },
    resume: (folder) => {
      const data = read();
      let started: ReturnType<typeof resumeTagger> | null = null;
      return {
        config: resumedConfig(folder.train, options),
        description: `${data.description}; resuming ${folder.meta.name} at step ${fmt(folder.state.step)}`,
        start: (run) => (started ??= resumeTagger(folder, data, options, run)).done,
      };
    },
  });
}

async function openTagger(dir: string, flags: ClassifyFlags, wasmDir: string) {
  await initBackend(flags.backend ?? ('auto' as BackendChoice), { wasmDir });
  return loadTagger(dir, flags.checkpoint ?? 'root');
}

export async function runEvalTag(dir: string, file: string, flags: ClassifyFlags, wasmDir: string): Promise<number> {
  const data = readTagged(readTextFile(file, 'tag file to evaluate'), file);
  const tagger = await openTagger(dir, flags, wasmDir);
  let r: TagEvaluation;
  try {
    r = evaluateSentences(tagger, data.sentences, file);
  } catch (error) {
    throw error instanceof RangeError ? new InputError(error.message) : error;
  } finally {
    tagger.head.dispose();
  }
  const { sentences, tokens, tokenAccuracy, entityF1, precision, recall, expected, found, correct, loss } = r;
  if (flags.json) {
    const entities = { expected, found, correct };
    process.stdout.write(`${JSON.stringify({ task: 'tag', sentences, tokens, tokenAccuracy, entityF1, precision, recall, entities, loss, tags: tagger.tags })}\n`);
    return EXIT_OK;
  }
  const lines = [
    `sentences: ${fmt(sentences)}, tokens: ${fmt(tokens)}`,
    `tokenAccuracy: ${f4(tokenAccuracy)}`,
    `entityF1: ${f4(entityF1)}`,
    `precision: ${f4(precision)}`,
    `recall: ${f4(recall)}`,
    `entities: ${fmt(expected)} in the file, ${fmt(found)} found, ${fmt(correct)} correct (type and both boundaries)`,
    `loss: ${f4(loss)} nats/token`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

const tagLine = (t: TokenTag) => `${t.token}\t${t.tag}\t${t.probability.toFixed(4)}`;

/** Each token of the text (or of each line of FILE) with its tag and probability. */
export async function runPredictTag(dir: string, file: string | undefined, flags: PredictFlags, wasmDir: string): Promise<number> {
  if ((flags.text === undefined) === (file === undefined)) throw new UsageError('give either --text TEXT or a FILE of sentences, one per line');
  const texts =
    flags.text !== undefined
      ? [flags.text]
      : readTextFile(file!, 'file of sentences to tag')
          .split(/\r?\n/)
          .filter((l) => l.trim() !== '');
  if (texts.length === 0 || texts.some((t) => t.trim() === '')) throw new UsageError('--text must not be empty');
  const tagger = await openTagger(dir, flags, wasmDir);
  try {
    const out = texts.map((text) => {
      const tags = tagText(tagger, text);
      if (flags.json) {
        const tokens = tags.map(({ token, tag, probability, probabilities }) => ({ token, tag, probability, probabilities: Object.fromEntries(tagger.tags.map((t, k) => [t, probabilities[k]])) }));
        return JSON.stringify({ text, tokens });
      }
      return tags.map(tagLine).join('\n');
    });
    // A blank line between sentences, as in the tag file format.
    process.stdout.write(`${out.join(flags.json ? '\n' : '\n\n')}\n`);
  } finally {
    tagger.head.dispose();
  }
  return EXIT_OK;
}
