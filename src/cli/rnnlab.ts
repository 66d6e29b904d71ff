#!/usr/bin/env node
// The `rnnlab` command line: parses arguments with commander and runs one subcommand; every
// error becomes one `rnnlab: …` line on stderr and exit 1 (runtime) or 2 (usage).

import { Command, CommanderError, Option } from 'commander';

import { version } from '../../package.json';
import { runBenchCommand } from './benchCommand.js';
import { refuseUnlessLm, runEvalClassify, runPredict, runTrainClassify } from './classifyCommands.js';
import { savedTask } from './taskTrain.js';
import { runEvalTag, runPredictTag, runTrainTag } from './tagCommands.js';
import { EXIT_OK, InputError, UsageError, errorLine, exitCodeFor } from './cliErrors.js';
import { runEval } from './evalCommand.js';
import { runExport } from './exportCommand.js';
import { runImport } from './importCommand.js';
import { runInfo } from './infoCommand.js';
import { runInspect } from './inspectCommand.js';
import { runInspectTask } from './taskInspectCommand.js';
import { parseInteger, parseNumber } from './optionParsers.js';
import { runSample } from './sampleCommand.js';
import { runEvalLabelLm, runSampleLabelLm, runTrainLabelLm } from './labelLmCommands.js';
import { runEvalSeq2seq, runInspectSeq2seq, runPredictSeq2seq, runTrainSeq2seq } from './seq2seqCommands.js';
import { runTrain } from './trainCommand.js';
import { readModelMeta } from '../model/index.js';
import { SPREAD_WINDOWS } from '../training/batches.js';
import { LANGUAGE_MODEL_ADAM_LR as LM_WIDE_LR, LANGUAGE_MODEL_DEFAULTS as LM, LANGUAGE_MODEL_WIDE_UNITS as LM_WIDE_UNITS } from '../training/config.js';
import type { ModelTask } from '../model/index.js';
import type { TrainFlags } from './trainCommand.js';
import type { ClassifyFlags, PredictFlags } from './classifyCommands.js';


/** Where the bundle lives: the tfjs .wasm files are copied next to dist/cli.js. */
const WASM_DIR = __dirname;

/** `train --task T` for every task but the language model. */
const TASK_TRAINERS: Record<Exclude<ModelTask, 'lm'>, (file: string, flags: TrainFlags, wasmDir: string) => Promise<number>> = {
  classify: runTrainClassify,
  tag: runTrainTag,
  seq2seq: runTrainSeq2seq,
  'label-lm': runTrainLabelLm,
};

/** `eval` of a task model; a language model (and any task not listed) is scored by runEval. */
const EVALUATORS: Partial<Record<ModelTask, (dir: string, file: string, flags: ClassifyFlags, wasmDir: string) => Promise<number>>> = {
  classify: runEvalClassify,
  tag: runEvalTag,
  seq2seq: runEvalSeq2seq,
  'label-lm': runEvalLabelLm,
};

/** `predict` of a task model (classify by default). */
const PREDICTORS: Partial<Record<ModelTask, (dir: string, file: string | undefined, flags: PredictFlags, wasmDir: string) => Promise<number>>> = {
  tag: runPredictTag,
  seq2seq: runPredictSeq2seq,
};

const backendOption = () => new Option('--backend <name>', 'tensorflow.js backend').choices(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto');
const checkpointOption = () =>
  new Option('--checkpoint <which>', 'which save of the model folder to use').choices(['root', 'latest', 'best']).default('root');

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('rnnlab');
  program
    .description('Train, sample, score and inspect RNN / GRU / LSTM language models, offline.')
    .version(version)
    .option('--verbose', 'print stack traces of errors')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => undefined }) // errors are printed once, by main()
    .enablePositionalOptions(false);

  program
    .command('train')
    .description('train a language model on a text file (from a label per line with --condition label), a classifier on labelled lines (--task classify), or a tagger on token<whitespace>tag lines (--task tag)')
    .argument('<file>', 'UTF-8 text file to train on')
    .requiredOption('--out <dir>', 'model folder to write (created if needed)')
    .addOption(
      new Option(
        '--task <task>',
        'lm: next token (default); classify: one label per line (label<TAB>text, text<TAB>label, CSV, JSON lines); tag: one token<whitespace>tag per line, a blank line after each sentence; seq2seq: source<TAB>target per line',
      ).choices(['lm', 'classify', 'tag', 'seq2seq']),
    )
    .addOption(new Option('--cell <type>', `recurrent cell (language model default: ${LM.cell})`).choices(['lstm', 'gru', 'rnn']))
    .option('--layers <n>', `stacked recurrent layers (language model default: ${LM.layers})`, parseInteger)
    .option('--units <n>', `hidden units per layer (language model default: ${LM.units})`, parseInteger)
    .addOption(new Option('--tokens <mode>', 'tokenisation').choices(['char', 'word']))
    .addOption(new Option('--input <mode>', 'one-hot input or a learned embedding').choices(['onehot', 'embedding']))
    .option('--embedding-size <n>', 'embedding width', parseInteger)
    .option('--seq-len <t>', 'truncated-BPTT window T', parseInteger)
    .option('--batch <b>', 'parallel streams B', parseInteger)
    .addOption(new Option('--steps <n>', 'stop after N optimizer steps (classify without a budget: 10 epochs)').argParser(parseInteger).conflicts(['epochs', 'minutes']))
    .addOption(new Option('--epochs <e>', 'stop after E passes over the text').argParser(parseNumber).conflicts(['steps', 'minutes']))
    .addOption(new Option('--minutes <m>', 'stop after M minutes').argParser(parseNumber).conflicts(['steps', 'epochs']))
    .option('--lr <x>', `learning rate (default: Adam 1e-2, RMSprop 2e-3, SGD 0.05; a language model of ${LM_WIDE_UNITS} units or more gets Adam ${LM_WIDE_LR})`, parseNumber)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'rmsprop', 'sgd']))
    .option('--momentum <x>', 'SGD momentum', parseNumber)
    .option('--lr-decay <x>', 'multiply the learning rate by X every --lr-decay-every steps', parseNumber)
    .option('--lr-decay-every <n>', 'steps between learning-rate decays', parseInteger)
    .addOption(new Option('--lr-schedule <name>', 'cosine: anneal to --lr-final-factor × lr over the budget (default); constant').choices(['cosine', 'constant']))
    .option('--lr-final-factor <x>', `where the cosine schedule ends, as a fraction of --lr (language model default: ${LM.lrFinalFactor})`, parseNumber)
    .option('--weight-decay <x>', `decoupled weight decay: each step every weight matrix shrinks by lr × X (AdamW; language model default: ${LM.weightDecay})`, parseNumber)
    .option('--clip <x>', 'gradient clipping threshold (0 = off)', parseNumber)
    .addOption(new Option('--clip-mode <mode>', 'clip the global norm or each value').choices(['norm', 'value']))
    .option('--dropout <p>', `dropout between stacked layers and before the output layer (language model default: ${LM.dropout})`, parseNumber)
    .option('--recurrent-dropout <p>', "GRU, LSTM: dropout on each step's candidate c̃ where it enters the cell state (the memory is kept; default 0)", parseNumber)
    .option('--weight-drop <p>', 'DropConnect on the recurrent weights: one mask per training pass for all steps and streams (default 0)', parseNumber)
    .addOption(new Option('--condition <what>', 'lm: label — train on label<TAB>text lines, each line generated from its label (sample --label L)').choices(['label']))
    .option('--bidirectional', 'classify, tag, seq2seq: read each line (the source) both ways (the default)')
    .option('--no-bidirectional', 'classify, tag, seq2seq: read each line (the source) forwards only')
    .addOption(new Option('--attention <on|off>', "seq2seq: the decoder attends over the encoder's outputs (Luong; on is the default) or reads the bridged state alone").choices(['on', 'off']))
    .option('--val-fraction <f>', 'fraction of the text held out for validation (default 0.1, at most 20,000 tokens unless given)', parseNumber)
    .addOption(
      new Option('--val-split <where>', `where the validation tokens are held out: spread (${SPREAD_WINDOWS} windows spread evenly over the text) or end (language model default: ${LM.valSplit})`).choices(['spread', 'end']),
    )
    .option('--seed <s>', 'seed for initialisation, dropout and sampling', parseInteger)
    .addOption(new Option('--backend <name>', 'tensorflow.js backend').choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--workers <n>', "engines per step, the batch's streams split between threads (default: the cores, capped by the batch)", parseInteger)
    .option('--eval-every <n>', 'validate every N steps', parseInteger)
    .option('--sample-every <n>', 'print a sample every N steps (0 = never)', parseInteger)
    .option('--checkpoint-every <n>', 'save checkpoints/latest every N steps', parseInteger)
    .option('--min-count <n>', 'tokens seen fewer times become <UNK>', parseInteger)
    .option('--max-vocab <n>', 'largest vocabulary kept', parseInteger)
    .option('--char-eos', 'char mode: mark each end of line with <EOS>')
    .option('--name <name>', 'model name (default: the folder name)')
    .option('--resume', 'continue training the model in --out')
    .option('--json', 'print JSON lines only: one trainer event per line')
    .action(async (file: string, flags) => {
      if (flags.condition && (flags.task ?? 'lm') !== 'lm') throw new UsageError(`--condition is for --task lm, not --task ${flags.task}`);
      // --resume without --task continues whatever task the folder holds.
      const asked: ModelTask | undefined = flags.condition === 'label' ? 'label-lm' : flags.task;
      const task: ModelTask = asked ?? (flags.resume ? (savedTask(flags.out) ?? 'lm') : 'lm');
      if (flags.attention !== undefined && task !== 'seq2seq') throw new UsageError(`--attention is for --task seq2seq, not --task ${task}`);
      if (flags.valSplit !== undefined && task !== 'lm') throw new UsageError(`--val-split is for a language model's text; a ${task} model holds out whole examples`);
      const trainTask = task === 'lm' ? runTrain : TASK_TRAINERS[task];
      setExitCode(await trainTask(file, flags, WASM_DIR));
    });

  program
    .command('sample')
    .description('print text sampled from a model (the prime included) and nothing else')
    .argument('<dir>', 'model folder')
    .option('--prime <text>', 'text to start from')
    .option('--length <n>', 'tokens to generate (default 200)', parseInteger)
    .option('--temperature <x>', '0 = greedy; higher = more random (default 1)', parseNumber)
    .option('--top-k <k>', 'sample among the K most likely tokens (0 = all)', parseInteger)
    .option('--seed <s>', 'same seed, same model, same backend ⇒ same text', parseInteger)
    .option('--stop-at-newline', 'stop after generating a newline')
    .option('--label <label>', 'a model trained with --condition label: the label to generate a line for')
    .addOption(checkpointOption())
    .addOption(backendOption())
    .action(async (dir: string, flags) => {
      const meta = readModelMeta(dir, flags.checkpoint);
      if (meta.task === 'label-lm') return setExitCode(await runSampleLabelLm(dir, meta.labels ?? [], flags, WASM_DIR));
      if (flags.label !== undefined) throw new UsageError(`--label is for a model trained with --condition label; ${dir} is a ${meta.task} model`);
      refuseUnlessLm(dir, flags.checkpoint, 'sample');
      setExitCode(await runSample(dir, flags, WASM_DIR));
    });

  program
    .command('eval')
    .description('score a text: loss in nats per token, bits per token, perplexity; for a classify model: accuracy, macroF1, per-class precision/recall, confusion; for a tag model: tokenAccuracy, entityF1, precision, recall')
    .argument('<dir>', 'model folder')
    .argument('<file>', 'UTF-8 text file to score (labelled lines for a classify model)')
    .option('--json', 'print one JSON object')
    .option('--per-token', 'add the surprisal (−log p, nats) of each token')
    .option('--max-tokens <n>', 'score only the first N tokens (a huge file is then read no further)', parseInteger)
    .option('--beam <k>', 'seq2seq: beam search of width K (default 1: greedy)', parseInteger)
    .addOption(checkpointOption())
    .addOption(backendOption())
    .action(async (dir: string, file: string, flags) => {
      const { task } = readModelMeta(dir, flags.checkpoint);
      const evaluate = EVALUATORS[task];
      if (!evaluate) return setExitCode(await runEval(dir, file, flags, WASM_DIR));
      if (flags.maxTokens !== undefined) throw new UsageError(`--max-tokens is for language models; a ${task} model scores every example of the file`);
      setExitCode(await evaluate(dir, file, flags, WASM_DIR));
    });

  program
    .command('predict')
    .description('label texts with a classify model (the label and every class probability), tag each token with a tag model, or transduce texts with a seq2seq model (the output)')
    .argument('<dir>', 'classify, tag or seq2seq model folder')
    .argument('[file]', 'UTF-8 file of texts, one per line')
    .option('--text <text>', 'one text to classify or transduce')
    .option('--json', 'print one JSON object per text')
    .option('--beam <k>', 'seq2seq: beam search of width K (default 1: greedy)', parseInteger)
    .addOption(checkpointOption())
    .addOption(backendOption())
    .action(async (dir: string, file: string | undefined, flags) => {
      const { task } = readModelMeta(dir, flags.checkpoint);
      if (task === 'label-lm') throw new InputError(`predict does not apply to ${dir}, a label-conditioned language model: it generates lines; use rnnlab sample ${dir} --label LABEL`);
      setExitCode(await (PREDICTORS[task] ?? runPredict)(dir, file, flags, WASM_DIR));
    });

  program
    .command('inspect')
    .description("gates, states, saturation, predictions and gradient flow for a text; for a classify model, its label, its answer after each token and each token's saliency; for a tag model, each token's tag; for a seq2seq model, its output and the source × output saliency")
    .argument('<dir>', 'model folder')
    .requiredOption('--text <text>', 'text to run through the model')
    .option('--json', 'print one JSON object')
    .option('--gradients', 'add ‖∂L⟨T⟩/∂a⟨t⟩‖ for every t ≤ T and layer')
    .option('--position <t>', 'the position T whose loss is differentiated (default: the last; a tag model: the token whose tag)', parseInteger)
    .option('--top-k <k>', 'next-token predictions per step', parseInteger)
    .option('--beam <k>', 'seq2seq: decode with a beam of width K (default 1: greedy)', parseInteger)
    .addOption(checkpointOption())
    .addOption(backendOption())
    .action(async (dir: string, flags) => {
      const { task } = readModelMeta(dir, flags.checkpoint);
      if (task === 'seq2seq') return setExitCode(await runInspectSeq2seq(dir, flags, WASM_DIR));
      if (task === 'classify' || task === 'tag') return setExitCode(await runInspectTask(dir, flags, WASM_DIR));
      refuseUnlessLm(dir, flags.checkpoint, 'inspect');
      setExitCode(await runInspect(dir, flags, WASM_DIR));
    });

  program
    .command('info')
    .description('config, parameter count, vocabulary, training state, history and backend')
    .argument('<dir>', 'model folder')
    .option('--json', 'print one JSON object')
    .addOption(checkpointOption())
    .addOption(backendOption())
    .action(async (dir: string, flags) => setExitCode(await runInfo(dir, flags, WASM_DIR)));

  program
    .command('export')
    .description('write a model as a TF.js Layers model (loadLayersModel, Keras) or for PyTorch with a DDP training script')
    .argument('<dir>', 'model folder')
    .addOption(new Option('--format <format>', 'what to write').choices(['tfjs-layers', 'pytorch']).makeOptionMandatory())
    .requiredOption('--out <dir>', 'new folder to write (must not exist or be empty)')
    .addOption(checkpointOption())
    .addOption(backendOption())
    .action(async (dir: string, flags) => {
      refuseUnlessLm(dir, flags.checkpoint, 'export');
      setExitCode(await runExport(dir, flags, WASM_DIR));
    });

  program
    .command('import')
    .description('turn a TF.js Layers (Keras) or PyTorch export into an RNN Lab model folder')
    .argument('<path>', 'export folder (or its model.json)')
    .requiredOption('--out <dir>', 'new model folder to write (must not exist or be empty)')
    .addOption(new Option('--format <format>', 'what PATH holds (default: pytorch when it has model.safetensors)').choices(['tfjs-layers', 'pytorch']))
    .option('--vocab <file>', "vocabulary (RNN Lab's vocab.json or a JSON list of tokens) instead of PATH's vocab.json")
    .option('--name <name>', 'model name (default: the export\'s own)')
    .action((path: string, flags) => setExitCode(runImport(path, flags)));

  program
    .command('bench')
    .description('training tokens/s of the engine vs tfjs-layers and PyTorch on three shapes; sampling and completion speed (development install)')
    .option('--json', 'print one JSON object')
    .option('--steps <n>', 'timed training steps per contender', parseInteger)
    .addOption(backendOption())
    .action(async (flags) => setExitCode(await runBenchCommand(flags, WASM_DIR)));

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram((c) => {
    code = c;
  });
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv.filter((a) => a !== '--verbose'), { from: 'user' });
  } catch (error) {
    code = exitCodeFor(error);
    if (error instanceof CommanderError && code === EXIT_OK) return code; // --help, --version
    let line = errorLine(error);
    // Bare `rnnlab`: commander has printed the help; say in one line what was missing.
    if (error instanceof CommanderError && error.code === 'commander.help') line = 'no command given: use train, sample, eval, predict, inspect, info, export, import or bench';
    if (error instanceof CommanderError && !/--help/.test(line)) {
      const sub = program.commands.find((c) => argv.includes(c.name()));
      line += ` (see rnnlab ${sub ? `${sub.name()} ` : ''}--help)`;
    }
    process.stderr.write(`rnnlab: ${line}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  return code;
}

// `rnnlab sample … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// Set the exit code and let the event loop drain (stdout may still be flushing into a pipe).
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rnnlab: ${errorLine(error)}\n`);
    process.exitCode = 1;
  },
);
