// Network configuration: user-facing options (all optional) resolved into a complete,
// serialisable config stored in model.json.

export type CellType = 'rnn' | 'gru' | 'lstm';
export type TokenMode = 'char' | 'word';
export type InputMode = 'onehot' | 'embedding';
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The gate and state names a cell exposes, named as in the course notes. */
export type GateName = 'gammaU' | 'gammaF' | 'gammaO' | 'gammaR' | 'cTilde' | 'c' | 'a';

export const CELL_GATES: Record<CellType, readonly GateName[]> = {
  rnn: ['a'],
  gru: ['gammaU', 'gammaR', 'cTilde', 'c'],
  lstm: ['gammaU', 'gammaF', 'gammaO', 'cTilde', 'c', 'a'],
};

export interface NetworkOptions {
  /** Recurrent cell. Default `lstm`. */
  cell?: CellType;
  /** Stacked recurrent layers (deep RNN). Default 1. */
  layers?: number;
  /** Hidden units per layer (per direction). Default 128. */
  units?: number;
  /** One-hot input (default for chars) or a learned embedding (default for words). */
  input?: InputMode;
  /** Embedding width when `input` is `embedding`. Default min(64, vocabSize). */
  embeddingSize?: number;
  /** Dropout probability on the non-recurrent connections — between stacked layers and before
   * the output layer (Zaremba et al. 2014) — during training only. Default 0.1: on
   * tiny-shakespeare a 1×128 LSTM overfits after about 2.5 epochs without it. */
  dropout?: number;
  /** Dropout probability on each step's candidate c̃ where it enters the cell state — GRU
   * c⟨t⟩ = Γu⊙(m⊙c̃) + (1 − Γu)⊙c⟨t−1⟩, LSTM c⟨t⟩ = Γu⊙(m⊙c̃) + Γf⊙c⟨t−1⟩ — during training only
   * (recurrent dropout without memory loss, Semeniuta et al. 2016). A fresh mask every step; the
   * memory c⟨t−1⟩ is never dropped, and inference runs the notes' equations unchanged. GRU and LSTM
   * only (a plain RNN has no candidate). Default 0. */
  recurrentDropout?: number;
  /** DropConnect on the recurrent matrices (Wan et al. 2013; the weight drop of Merity et al.
   * 2018): each training pass zeroes each recurrent weight — the a⟨t−1⟩ (GRU: c⟨t−1⟩) half of
   * W·[a⟨t−1⟩, x⟨t⟩] — with this chance and scales the rest by 1/(1 − p). One mask for all T steps
   * and all streams of the pass, so within a window the cell runs the notes' equations with fixed
   * (thinned) weights and its state is never dropped; inference uses the weights as they are.
   * Every cell. Default 0. */
  weightDrop?: number;
  /** Run a second layer over reversed time and merge. Not allowed for language models. */
  bidirectional?: boolean;
  /** How forward and backward outputs are merged (Keras semantics). Default `concat`. */
  merge?: MergeMode;
  /** Initial LSTM forget-gate bias. Default 1. */
  forgetBias?: number;
}

/** A seq2seq decoder's attention: 'luong' over the encoder's outputs, or 'none' (the bridge alone). */
export type AttentionKind = 'none' | 'luong';
export const ATTENTION_KINDS: readonly AttentionKind[] = ['none', 'luong'];

export interface NetworkConfig {
  cell: CellType;
  layers: number;
  units: number;
  vocabSize: number;
  input: InputMode;
  embeddingSize: number;
  dropout: number;
  /** See NetworkOptions.recurrentDropout; 0 when off. */
  recurrentDropout: number;
  /** See NetworkOptions.weightDrop; 0 when off. */
  weightDrop: number;
  bidirectional: boolean;
  merge: MergeMode;
  forgetBias: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function positiveInt(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${name} must be a whole number from 1 to ${max}, got ${value}`);
  }
  return value;
}

export function resolveNetworkConfig(
  options: NetworkOptions,
  vocabSize: number,
  tokenMode: TokenMode = 'char',
): NetworkConfig {
  const cell = options.cell ?? 'lstm';
  if (!(cell in CELL_GATES)) throw new ConfigError(`cell must be rnn, gru or lstm, got ${String(cell)}`);
  const input = options.input ?? (tokenMode === 'word' ? 'embedding' : 'onehot');
  if (input !== 'onehot' && input !== 'embedding') {
    throw new ConfigError(`input must be onehot or embedding, got ${String(input)}`);
  }
  const dropout = options.dropout ?? 0.1;
  if (!(dropout >= 0 && dropout < 1)) throw new ConfigError(`dropout must be in [0, 1), got ${dropout}`);
  const recurrentDropout = options.recurrentDropout ?? 0;
  if (!(recurrentDropout >= 0 && recurrentDropout < 1)) throw new ConfigError(`recurrentDropout must be in [0, 1), got ${recurrentDropout}`);
  if (recurrentDropout > 0 && cell === 'rnn') {
    throw new ConfigError('recurrentDropout applies to GRU and LSTM cells: it drops the candidate c̃, which a plain RNN does not have');
  }
  const weightDrop = options.weightDrop ?? 0;
  if (!(weightDrop >= 0 && weightDrop < 1)) throw new ConfigError(`weightDrop must be in [0, 1), got ${weightDrop}`);
  const merge = options.merge ?? 'concat';
  if (!['concat', 'sum', 'mul', 'ave'].includes(merge)) {
    throw new ConfigError(`merge must be concat, sum, mul or ave, got ${String(merge)}`);
  }
  const forgetBias = options.forgetBias ?? 1;
  if (!Number.isFinite(forgetBias)) throw new ConfigError(`forgetBias must be a finite number`);
  positiveInt('vocabulary size', vocabSize, 1_000_000);
  return {
    cell,
    layers: positiveInt('layers', options.layers ?? 1, 16),
    units: positiveInt('units', options.units ?? 128, 4096),
    vocabSize,
    input,
    embeddingSize: positiveInt('embeddingSize', options.embeddingSize ?? Math.min(64, vocabSize), 4096),
    dropout,
    recurrentDropout,
    weightDrop,
    bidirectional: options.bidirectional ?? false,
    merge,
    forgetBias,
  };
}
