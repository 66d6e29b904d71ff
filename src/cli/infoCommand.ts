// `rnnlab info DIR`: what a model folder holds — config, size, vocabulary, training state,
// history and checkpoints — plus the backend this machine would use. The weight files of the
// chosen save are read and checked (size, checksum, shapes, finite values) like every command's.

import { initBackend } from '../engine/backend.js';
import { kernelInfo, kernelLine } from '../engine/kernels/kernels.js';
import { workerCount } from '../training/dataParallel.js';
import type { BackendChoice } from '../engine/config.js';
import { hasModelJson, ModelFormatError } from '../model/index.js';
import type { CheckpointKind, ModelMeta, TrainingHistory } from '../model/index.js';
import { loadModelFolder } from '../training/checkpoint.js';
import { architectureLabel } from '../protocol/labels.js';

export interface InfoFlags {
  json?: boolean;
  checkpoint?: CheckpointKind;
  backend?: BackendChoice;
}

interface CheckpointSummary {
  step: number;
  epoch: number;
  bestValLoss: number | null;
  savedAt: string;
}

function summary(meta: ModelMeta): CheckpointSummary {
  return { step: meta.state.step, epoch: meta.state.epoch, bestValLoss: meta.state.bestValLoss, savedAt: meta.savedAt };
}

/** The trainer's history (runs, step losses, evals) in a few lines. */
function historyLines(history: TrainingHistory): string[] {
  const lines: string[] = [];
  (history.runs ?? []).forEach((r, i) => {
    const tps = typeof r.tokensPerSecond === 'number' ? `, ${Math.round(r.tokensPerSecond).toLocaleString('en-US')} tokens/s` : '';
    lines.push(
      `run ${i + 1}: steps ${String(r.startStep)} → ${String(r.endStep)} (${String(r.reason)}) on ${String(r.backend)}${tps}, started ${String(r.startedAt)}`,
    );
  });
  const evals = history.evals ?? [];
  if (evals.length > 0) {
    const shown = evals.slice(-5).map((e) => `${String(e[0])}: ${typeof e[1] === 'number' ? e[1].toFixed(4) : '?'}`);
    lines.push(`val loss by step (last ${shown.length} of ${evals.length}): ${shown.join(', ')}`);
  }
  return lines;
}

export async function runInfo(dir: string, flags: InfoFlags, wasmDir: string): Promise<number> {
  // Reading the weights, not only model.json: a torn or flipped weights.bin fails here too.
  const meta = loadModelFolder(dir, flags.checkpoint ?? 'root').meta;
  const checkpoints: Record<string, CheckpointSummary | null> = {};
  const checkpointProblems: Record<string, string> = {};
  for (const kind of ['latest', 'best'] as const) {
    if (!hasModelJson(dir, kind)) {
      checkpoints[kind] = null;
      continue;
    }
    try {
      checkpoints[kind] = summary(loadModelFolder(dir, kind).meta);
    } catch (error) {
      if (!(error instanceof ModelFormatError)) throw error;
      checkpoints[kind] = null;
      checkpointProblems[kind] = error.message;
    }
  }
  const backend = await initBackend(flags.backend ?? 'auto', { wasmDir });
  const info = {
    name: meta.name,
    dir,
    task: meta.task,
    ...(meta.labels ? { labels: meta.labels } : {}),
    format: meta.format,
    formatVersion: meta.formatVersion,
    savedAt: meta.savedAt,
    parameters: meta.parameters,
    vocabSize: meta.network.vocabSize,
    tokens: meta.vocabulary.mode,
    network: meta.network,
    train: meta.train,
    state: meta.state,
    optimizer: meta.optimizer ? { name: meta.optimizer.name, step: meta.optimizer.step } : null,
    history: meta.history,
    checkpoints,
    checkpointProblems,
    weightsChecked: true,
    backend: backend.name,
    kernels: kernelInfo(),
    /** Engines per training step `rnnlab train` would use here for this model's batch. */
    workers: workerCount(undefined, meta.train.batch),
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(info)}\n`);
    return 0;
  }
  const n = meta.network;
  const t = meta.train;
  const loss = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(4)} nats/${meta.task === 'classify' ? 'example' : 'token'}`);
  const saved = (kind: 'latest' | 'best', s: CheckpointSummary | null) =>
    s ? `step ${s.step}${kind === 'best' ? ` (${loss(s.bestValLoss)})` : ''}` : checkpointProblems[kind] ? 'broken (see below)' : 'none';
  const lines = [
    `${meta.name} (${dir}), saved ${meta.savedAt}`,
    `task: ${taskLine(meta)}`,
    `network: ${n.bidirectional ? 'bidirectional ' : ''}${architectureLabel(n)}, ${n.input} input${n.input === 'embedding' ? ` (${n.embeddingSize})` : ''}, dropout ${n.dropout}${n.recurrentDropout ? `, recurrent dropout ${n.recurrentDropout}` : ''}${n.weightDrop ? `, weight drop ${n.weightDrop}` : ''}, ${meta.parameters.toLocaleString('en-US')} parameters`,
    `vocabulary: ${n.vocabSize.toLocaleString('en-US')} ${meta.vocabulary.mode} tokens`,
    `training: ${t.optimizer} lr ${t.lr}${t.lrSchedule === 'cosine' ? ` (cosine to ${t.lrFinalFactor} ×)` : ''}, batch ${t.batch}, seq-len ${t.seqLen}, clip ${t.clip} (${t.clipMode}),${t.weightDecay ? ` weight decay ${t.weightDecay},` : ''} val fraction ${t.valFraction}${t.valTokensMax !== null && t.valTokensMax !== undefined ? ` (at most ${t.valTokensMax.toLocaleString('en-US')} tokens)` : ''}, seed ${t.seed}`,
    `state: step ${meta.state.step.toLocaleString('en-US')}, epoch ${meta.state.epoch.toFixed(2)}, best val loss ${loss(meta.state.bestValLoss)}`,
    `checkpoints: latest ${saved('latest', checkpoints.latest ?? null)}, best ${saved('best', checkpoints.best ?? null)}`,
    `weights: checked (size, CRC-32, shapes, finite values) for this save and each checkpoint`,
    ...Object.values(checkpointProblems).map((p) => `broken checkpoint: ${p}`),
    ...historyLines(meta.history),
    `backend here: ${backend.name}`,
    `${kernelLine()} here`,
    `training workers here: ${info.workers} (the cores, capped by the batch of ${t.batch}; --workers N chooses)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** What the model does, in a few words. */
function taskLine(meta: ModelMeta): string {
  if (meta.task === 'lm') return 'lm (language model)';
  if (meta.task === 'label-lm') {
    const best = meta.state.best ? `; best perplexity ${(meta.state.best.metrics.perplexity ?? NaN).toFixed(4)}, labelAccuracy ${(meta.state.best.metrics.labelAccuracy ?? NaN).toFixed(4)} at step ${meta.state.best.step}` : '';
    return `lm, condition label (each line generated from its label: a⟨0⟩ = tanh(W·onehot(label) + b) per layer), ${meta.labels?.length ?? 0} labels: ${(meta.labels ?? []).join(', ')}${best}`;
  }
  if (meta.task === 'seq2seq') {
    const enc = meta.network.bidirectional ? 'bidirectional encoder' : 'encoder';
    const best = meta.state.best ? `; best exactMatch ${(meta.state.best.metrics.exactMatch ?? NaN).toFixed(4)}, cer ${(meta.state.best.metrics.cer ?? NaN).toFixed(4)} at step ${meta.state.best.step}` : '';
    const decoder = meta.attention === 'luong' ? 'decoder with Luong attention' : 'decoder';
    return `seq2seq (source → target: ${enc}, bridge, ${decoder}; one ${meta.vocabulary.mode} vocabulary with <EOS>)${best}`;
  }
  return `${meta.task}, ${meta.labels?.length ?? 0} ${meta.task === 'tag' ? 'tags' : 'labels'}: ${(meta.labels ?? []).join(', ')}`;
}
