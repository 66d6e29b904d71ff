// What the extension host itself does with the engine (load a model, complete, inspect, top-k
// predictions, tag a selection; sampling and scoring run in the worker). Loaded only on first use through
// engineLoader.ts, so activating the extension never loads tfjs.

import { initBackend } from '../engine/backend.js';
import type { BackendInfo } from '../engine/backend.js';
import type { Model } from '../engine/model.js';
import { inspect, inspectQuantised } from '../engine/inspect.js';
import type { InspectOptions } from '../engine/inspect.js';
import { Completer, feed, topPredictions } from '../engine/sampler.js';
import type { InspectResult, Prediction, QuantisedInspectResult } from '../engine/types.js';
import { loadModel } from '../training/checkpoint.js';
import type { LoadedModel } from '../training/checkpoint.js';
import type { CheckpointKind } from '../model/index.js';
import { loadTransducer, transduceTexts } from '../training/tasks/seq2seqModel.js';
import { loadTagger, tagText } from '../training/tasks/tagModel.js';
import { loadTaskInspector } from '../training/tasks/taskInspect.js';
import type { TokenTag } from '../training/tasks/tagModel.js';

let backend: Promise<BackendInfo> | null = null;

/** Starts the backend once per extension host; `wasmDir` is dist/ (the wasm files sit there). */
export function ensureBackend(wasmDir: string): Promise<BackendInfo> {
  backend ??= initBackend('auto', { wasmDir });
  backend.catch(() => {
    backend = null; // let a later call retry
  });
  return backend;
}

/** Loads a model folder (or one of its checkpoints); rejects with ModelFormatError's sentence. */
export async function openModel(dir: string, wasmDir: string, checkpoint: CheckpointKind = 'root'): Promise<LoadedModel> {
  await ensureBackend(wasmDir);
  return loadModel(dir, { checkpoint });
}

/** Gate traces, predictions and (optionally) gradient flow, for the inspector panels. */
export function inspectText(model: Model, text: string, options: InspectOptions): InspectResult {
  return inspect(model, text, options);
}

/** The gate inspector's inspection: traces a byte per value, on the native kernels when built. */
export function inspectTextQuantised(model: Model, text: string, options: InspectOptions): QuantisedInspectResult {
  return inspectQuantised(model, text, options);
}

export function createCompleter(model: Model): Completer {
  return new Completer(model);
}

/**
 * The model's top-k predictions for token `index` of `text` (what it expected before reading
 * that token), feeding at most `window` tokens before it.
 */
export function predictionsBefore(model: Model, text: string, index: number, k: number, window = 256): Prediction[] {
  const { ids } = model.vocab.encodeWithOffsets(text);
  if (index < 1 || index >= ids.length) return [];
  const context = ids.subarray(Math.max(0, index - window), index);
  const { logits } = feed(model, context, null);
  return logits ? topPredictions(model, logits, k) : [];
}

/** A seq2seq model's greedy output for each line (Transduce Selection). */
export async function transduceLines(dir: string, wasmDir: string, lines: readonly string[], checkpoint: CheckpointKind = 'root'): Promise<string[]> {
  await ensureBackend(wasmDir);
  const transducer = loadTransducer(dir, checkpoint);
  try {
    return transduceTexts(transducer, lines);
  } finally {
    transducer.head.dispose();
  }
}

/** Each whitespace-separated token of `text` with its tag under the tag model in `dir`, and the model's tag set. */
export async function tagTextWith(dir: string, checkpoint: CheckpointKind, wasmDir: string, text: string): Promise<{ tokens: TokenTag[]; tags: string[] }> {
  await ensureBackend(wasmDir);
  const tagger = loadTagger(dir, checkpoint);
  try {
    return { tokens: tagText(tagger, text), tags: tagger.tags };
  } finally {
    tagger.head.dispose();
  }
}

export type TaskInspector = ReturnType<typeof loadTaskInspector>;

/** A classify, tag or seq2seq model's inspector (gate traces plus what the task adds); the caller disposes it. */
export async function openTaskInspector(dir: string, wasmDir: string, checkpoint: CheckpointKind = 'root'): Promise<TaskInspector> {
  await ensureBackend(wasmDir);
  return loadTaskInspector(dir, checkpoint);
}
