// Result shapes of the engine's read-only operations (sampling, scoring, inspection).
// Plain arrays and numbers so they can be posted to webviews and printed as JSON.

import type { CellType, GateName } from './config.js';

export interface SampleOptions {
  /** Text to condition on; it is included at the start of the result. */
  prime?: string;
  /** Tokens to generate after the prime. Default 200. */
  length?: number;
  /** 0 = greedy argmax. Default 1. */
  temperature?: number;
  /** Sample only among the k most likely tokens (0 = all). Default 0. */
  topK?: number;
  /** Same seed, same model, same backend ⇒ same text. Default 1. */
  seed?: number;
  /** Stop after generating <EOS>. Default false. */
  stopAtEos?: boolean;
  /** Stop after generating a newline. Default false. */
  stopAtNewline?: boolean;
}

export interface SampleResult {
  /** Prime followed by the generated text. */
  text: string;
  /** Only the generated part. */
  generated: string;
  generatedTokens: number;
}

export interface ScoreResult {
  /** Number of predicted tokens (the first token is given, not predicted). */
  tokens: number;
  /** Mean cross-entropy, nats per token. */
  loss: number;
  bitsPerToken: number;
  perplexity: number;
  /** log P(text) in nats (sum over predicted tokens). */
  logProb: number;
  /** −log p of each predicted token; surprisal[i] belongs to token i + 1. */
  surprisal: number[];
  /** The token strings, token i covers text from offsets[i] to offsets[i + 1]. */
  tokenTexts: string[];
  offsets: number[];
}

export interface Prediction {
  token: string;
  p: number;
}

export interface GateSaturation {
  /** Fraction of (unit, step) values below 0.1 (for tanh states: below −0.9). */
  low: number;
  /** Fraction above 0.9. */
  high: number;
  /** Per unit: fraction of steps low / high. */
  unitLow: number[];
  unitHigh: number[];
}

export interface LayerTrace {
  layer: number;
  /** A seq2seq model's decoder layer: its steps are `InspectResult.decoderTokens`, not `tokens`. Absent: the encoder (or the language model's network). */
  part?: 'decoder';
  direction: 'forward' | 'backward';
  cell: CellType;
  units: number;
  /** gates[name][t][unit], for the gates the cell has (see CELL_GATES). */
  gates: Partial<Record<GateName, number[][]>>;
  saturation: Partial<Record<GateName, GateSaturation>>;
}

export interface GradientFlow {
  /** The position T whose loss is differentiated. */
  position: number;
  /**
   * norms[layer][t] = ‖∂L⟨T⟩/∂a⟨t⟩‖ for t = 0 … T. A task model's cover every token of the text
   * (the source, for seq2seq), and a bidirectional layer's a⟨t⟩ holds both directions' states.
   */
  norms: number[][];
}

/**
 * A trace quantised to one byte per value over [lo, hi]: value ≈ lo + code·(hi − lo)/255, off by
 * at most half a step. Sigmoid gates use [0, 1], tanh states [−1, 1], LSTM's unbounded c
 * [−r, r] with r = max(1, max |c|) — the ranges the heatmaps colour by, so a code is a colour.
 */
export interface QuantisedTrace {
  lo: number;
  hi: number;
  /** codes[t·units + unit], text order. */
  codes: Uint8Array;
}

export interface QuantisedLayerTrace extends Omit<LayerTrace, 'gates'> {
  gates: Partial<Record<GateName, QuantisedTrace>>;
}

/** The inspector's fast result: InspectResult with every gate trace quantised (see QuantisedTrace). */
export interface QuantisedInspectResult extends Omit<InspectResult, 'layers'> {
  layers: QuantisedLayerTrace[];
}

export interface InspectResult {
  tokens: string[];
  /** Token offsets into the text: token i covers [offsets[i], offsets[i+1]). */
  offsets: number[];
  cell: CellType;
  layers: LayerTrace[];
  /** predictions[t]: top-k next tokens after reading token t (a language model's; empty for the other tasks). */
  predictions: Prediction[][];
  /**
   * ‖∂L/∂a⟨t⟩‖ per layer. Language model: L = −log p(token T + 1). Classify: L = −log p(predicted label).
   * Tag: L = −log p(predicted tag of token `position`). Seq2seq: L = −log p(output), through the encoder.
   */
  gradients?: GradientFlow;
  /** What a task model's inspection adds (absent for a language model). */
  task?: TaskInspection;
  /** Seq2seq: the decoder's steps, one per output token it predicted (ending with <EOS>). */
  decoderTokens?: string[];
}

/** A task model's own part of an inspection: what the network answers, and what moved the answer. */
export type TaskInspection = ClassifyInspection | TagInspection | Seq2seqInspection;

export interface ClassifyInspection {
  task: 'classify';
  /** The model's labels, in the order of every probability row. */
  labels: string[];
  /** The whole text's class probabilities, and the index of the label they pick. */
  probabilities: number[];
  predicted: number;
  /** stepProbabilities[t][k]: p(label k) had the text stopped after token t (the last row is `probabilities`). */
  stepProbabilities: number[][];
  /** saliency[t] = ‖∂ log p(predicted label)/∂x⟨t⟩‖: how strongly token t moved the decision. */
  saliency: number[];
}

export interface TagInspection {
  task: 'tag';
  /** The model's tags, in the order of every probability row. */
  tags: string[];
  /** probabilities[t][k]: p(tag k) for token t; predicted[t] its argmax. */
  probabilities: number[][];
  predicted: number[];
}

export interface Seq2seqInspection {
  task: 'seq2seq';
  /** The greedy output's text. */
  output: string;
  /** saliency[j][i] = ‖∂ log p(y⟨j⟩)/∂x⟨i⟩‖: rows the output tokens (decoderTokens), columns the source tokens. */
  saliency: number[][];
  /**
   * With attention: attention[j][i] = α⟨j,i⟩, the weight decoder step j gave source token i (each
   * row sums to 1); same rows and columns as saliency. Absent for a model without attention.
   */
  attention?: number[][];
}
