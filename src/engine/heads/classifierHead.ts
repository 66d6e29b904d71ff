// Many-to-one classification: the prediction is read from the final state of each line, ŷ =
// softmax(Wy·[a_fw⟨L⟩, a_bw⟨1⟩] + by) — for a bidirectional top layer, the forward direction's
// state at the line's last real token and the backward direction's state at its first.
// Lines of different lengths share a padded batch; padding never reaches what is read.

import type { NetworkConfig } from '../config.js';
import type { Rng } from '../math.js';
import type { EncoderPass } from '../network.js';
import { crossEntropy, softmaxRow } from '../network.js';
import type { HeadGrads, HeadLoss } from './sequenceHead.js';
import { SequenceHead } from './sequenceHead.js';
import type { PaddedBatch } from './paddedBatch.js';

export interface ClassifierPass {
  encoder: EncoderPass;
  /** B × readoutWidth: each line's final states, both directions side by side. */
  readout: Float32Array;
  /** B × classes. */
  logits: Float32Array;
}

export class ClassifierHead extends SequenceHead {
  static readonly prefix = 'classifier';

  /** Final states of every top-layer direction side by side: H or 2H. */
  static inWidth(config: NetworkConfig): number {
    return config.units * (config.bidirectional ? 2 : 1);
  }

  forward(batch: PaddedBatch, rng?: Rng): ClassifierPass {
    const { B, T, lengths } = batch;
    const H = this.network.config.units;
    const encoder = this.network.encode(batch.ids, B, T, { lengths, rng });
    const top = encoder.caches[encoder.caches.length - 1];
    const R = top.length * H;
    const readout = new Float32Array(B * R);
    for (let b = 0; b < B; b++) {
      // Both directions are read at their own step L−1: the backward one ran over the line reversed.
      const row = ((lengths[b] - 1) * B + b) * H;
      top.forEach((cache, k) => readout.set(cache.a.subarray(row, row + H), b * R + k * H));
    }
    return { encoder, readout, logits: this.output.forward(readout, B) };
  }

  /** Class probabilities of each line of the batch. */
  probabilities(batch: PaddedBatch): Float64Array[] {
    const { logits } = this.forward(batch);
    return Array.from({ length: batch.B }, (_, b) => softmaxRow(logits, b * this.classes, this.classes));
  }

  /** Mean cross-entropy of the labels (one per line, −1 = not counted). */
  loss(batch: PaddedBatch, labels: Int32Array): HeadLoss {
    return crossEntropy(this.forward(batch).logits, labels, this.classes, null);
  }

  lossAndGrads(batch: PaddedBatch, labels: Int32Array, rng?: Rng): HeadGrads {
    const { B, T, lengths } = batch;
    const H = this.network.config.units;
    const pass = this.forward(batch, rng);
    const dLogits = new Float32Array(pass.logits.length);
    const { loss, count } = crossEntropy(pass.logits, labels, this.classes, dLogits);
    const { dWy, dby, dX } = this.output.backward(pass.readout, B, dLogits);
    const top = pass.encoder.caches[pass.encoder.caches.length - 1];
    const R = top.length * H;
    const dDirections = top.map(() => new Float32Array(T * B * H));
    for (let b = 0; b < B; b++) {
      const row = ((lengths[b] - 1) * B + b) * H;
      dDirections.forEach((d, k) => d.set(dX.subarray(b * R + k * H, b * R + (k + 1) * H), row));
    }
    const grads = this.gradientList(this.network.backwardEncoder(pass.encoder, dDirections), dWy, dby);
    return { loss, count, grads };
  }
}
