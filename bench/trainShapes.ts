// The training shapes the benchmark compares, and the arithmetic a training step of one needs.

export interface TrainShape {
  name: 'reference' | 'default' | 'larger';
  layers: number;
  units: number;
  batch: number;
  seqLen: number;
  dropout: number;
}

export const VOCAB = 65;

export const TRAIN_SHAPES: readonly TrainShape[] = [
  { name: 'reference', layers: 1, units: 128, batch: 64, seqLen: 40, dropout: 0.1 },
  { name: 'default', layers: 1, units: 128, batch: 16, seqLen: 64, dropout: 0.1 },
  { name: 'larger', layers: 2, units: 256, batch: 32, seqLen: 64, dropout: 0.1 },
];

/**
 * Floating-point operations of the dense products one token of an LSTM training step needs:
 * forward, ∂input and ∂weights are 2·m·n each (6 in all) for the recurrent product (H × 4H),
 * the input product of stacked layers (H × 4H) and the output layer (H × V). Layer 0's one-hot
 * input product is a row lookup, so it is not counted.
 */
export function flopsPerToken(s: TrainShape, V = VOCAB): number {
  const H = s.units;
  let flops = 6 * H * V;
  for (let l = 0; l < s.layers; l++) flops += 6 * H * 4 * H + (l > 0 ? 6 * H * 4 * H : 0);
  return flops;
}
