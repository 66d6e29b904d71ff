// Many-to-many tagging (Tx = Ty): ŷ⟨t⟩ = softmax(Wy a⟨t⟩ + by) over the tags at every real token
// of a padded batch; padded positions are masked out of the loss and never reach a real step.

import type { NetworkConfig } from '../config.js';
import type { Rng } from '../math.js';
import type { EncoderBackwardOptions, EncoderPass } from '../network.js';
import { crossEntropy, softmaxRow } from '../network.js';
import type { HeadGrads, HeadLoss } from './sequenceHead.js';
import { SequenceHead } from './sequenceHead.js';
import type { PaddedBatch } from './paddedBatch.js';

export interface TaggerPass {
  encoder: EncoderPass;
  /** T·B × tags, time-major. */
  logits: Float32Array;
}

function targetsOf(batch: PaddedBatch): Int32Array {
  if (!batch.targets) throw new RangeError('the batch has no tags (padBatch with targets)');
  return batch.targets;
}

export class TaggerHead extends SequenceHead {
  static readonly prefix = 'tagger';

  /** The top layer's merged output at each step. */
  static inWidth(config: NetworkConfig): number {
    return config.bidirectional && config.merge === 'concat' ? 2 * config.units : config.units;
  }

  forward(batch: PaddedBatch, rng?: Rng): TaggerPass {
    const encoder = this.network.encode(batch.ids, batch.B, batch.T, { lengths: batch.lengths, rng });
    return { encoder, logits: this.output.forward(encoder.top, batch.T * batch.B) };
  }

  /** Tag probabilities of each real token: result[b][t]. */
  probabilities(batch: PaddedBatch): Float64Array[][] {
    const { logits } = this.forward(batch);
    const K = this.classes;
    return Array.from({ length: batch.B }, (_, b) => Array.from({ length: batch.lengths[b] }, (_, t) => softmaxRow(logits, (t * batch.B + b) * K, K)));
  }

  /** Mean cross-entropy over the real tokens of the batch's targets. */
  loss(batch: PaddedBatch): HeadLoss {
    return crossEntropy(this.forward(batch).logits, targetsOf(batch), this.classes, null);
  }

  lossAndGrads(batch: PaddedBatch, rng?: Rng): HeadGrads {
    const pass = this.forward(batch, rng);
    const dLogits = new Float32Array(pass.logits.length);
    const { loss, count } = crossEntropy(pass.logits, targetsOf(batch), this.classes, dLogits);
    const { dWy, dby, encoder } = this.backward(batch, pass, dLogits);
    return { loss, count, grads: this.gradientList(encoder, dWy, dby) };
  }

  /**
   * Backpropagation from ∂L/∂logits (T·B × tags) of a forward pass: the output layer's gradients
   * and the encoder's by name; `more` receives flows and ∂L/∂x (inspection).
   */
  backward(batch: PaddedBatch, pass: TaggerPass, dLogits: Float32Array, flows?: Float64Array[], more: EncoderBackwardOptions = {}): { dWy: Float32Array; dby: Float32Array; encoder: Map<string, Float32Array> } {
    const { dWy, dby, dX } = this.output.backward(pass.encoder.top, batch.T * batch.B, dLogits);
    return { dWy, dby, encoder: this.network.backwardEncoder(pass.encoder, this.network.directionGradients(pass.encoder, dX), flows, more) };
  }
}
