// Many-to-one classification: the prediction is read from the final state of each line, ŷ =
// softmax(Wy·[a_fw⟨L⟩, a_bw⟨1⟩] + by) — for a bidirectional top layer, the forward direction's
// state at the line's last real token and the backward direction's state at its first.
// Lines of different lengths share a padded batch; padding never reaches what is read.

import type { NetworkConfig } from '../config.js';
import type { Rng } from '../math.js';
import type { EncoderBackwardOptions, EncoderPass } from '../network.js';
import { crossEntropy, Network, softmaxRow } from '../network.js';
import type { HeadGrads, HeadLoss } from './sequenceHead.js';
import { SequenceHead } from './sequenceHead.js';
import type { PaddedBatch } from './paddedBatch.js';
import { padBatch } from './paddedBatch.js';

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

  /**
   * Class probabilities had the line `ids` stopped after each token: row t is what the head
   * answers for ids[0…t] alone (the inspector's answer at every step). Forwards only, the top
   * layer's state at each step of one pass; one bidirectional layer: that pass's forward states
   * and the backward direction run over each prefix reversed, `chunk` prefixes per padded batch;
   * more bidirectional layers: every prefix read again.
   */
  prefixProbabilities(ids: Int32Array, chunk = 32): Float64Array[] {
    const T = ids.length;
    const K = this.classes;
    const config = this.network.config;
    const H = config.units;
    if (config.bidirectional && config.layers > 1) {
      const out: Float64Array[] = [];
      for (let from = 0; from < T; from += chunk) out.push(...this.probabilities(padBatch(Array.from({ length: Math.min(chunk, T - from) }, (_, b) => ids.subarray(0, from + b + 1)))));
      return out;
    }
    const forward = this.network.encode(ids, 1, T).caches[config.layers - 1][0].a;
    let readout = forward;
    if (config.bidirectional) {
      readout = new Float32Array(T * 2 * H);
      for (let t = 0; t < T; t++) readout.set(forward.subarray(t * H, (t + 1) * H), t * 2 * H);
      // The backward direction alone, as a forward network over reversed prefixes.
      const own = this.network.params.filter((p) => p.name === 'embedding' || p.name.startsWith('layer0.bw.'));
      const backward = Network.fromParams({ ...config, bidirectional: false }, own.map((p) => ({ ...p, name: p.name.replace('layer0.bw.', 'layer0.fw.') })), { outputLayer: false });
      try {
        for (let from = 0; from < T; from += chunk) {
          const to = Math.min(T, from + chunk);
          const batch = padBatch(Array.from({ length: to - from }, (_, b) => ids.slice(0, from + b + 1).reverse()));
          const a = backward.encode(batch.ids, batch.B, batch.T, { lengths: batch.lengths }).caches[0][0].a;
          for (let b = 0; b < batch.B; b++) {
            const row = ((batch.lengths[b] - 1) * batch.B + b) * H;
            readout.set(a.subarray(row, row + H), (from + b) * 2 * H + H);
          }
        }
      } finally {
        backward.dispose();
      }
    }
    const logits = this.output.forward(readout, T);
    return Array.from({ length: T }, (_, t) => softmaxRow(logits, t * K, K));
  }

  /** Mean cross-entropy of the labels (one per line, −1 = not counted). */
  loss(batch: PaddedBatch, labels: Int32Array): HeadLoss {
    return crossEntropy(this.forward(batch).logits, labels, this.classes, null);
  }

  lossAndGrads(batch: PaddedBatch, labels: Int32Array, rng?: Rng): HeadGrads {
    const pass = this.forward(batch, rng);
    const dLogits = new Float32Array(pass.logits.length);
    const { loss, count } = crossEntropy(pass.logits, labels, this.classes, dLogits);
    const { dWy, dby, encoder } = this.backward(batch, pass, dLogits);
    return { loss, count, grads: this.gradientList(encoder, dWy, dby) };
  }

  /**
   * Backpropagation from ∂L/∂logits (B × classes) of a forward pass: the output layer's gradients
   * and the encoder's by name; `more` receives flows and ∂L/∂x (inspection, saliency).
   */
  backward(batch: PaddedBatch, pass: ClassifierPass, dLogits: Float32Array, flows?: Float64Array[], more: EncoderBackwardOptions = {}): { dWy: Float32Array; dby: Float32Array; encoder: Map<string, Float32Array> } {
    const { B, T, lengths } = batch;
    const H = this.network.config.units;
    const { dWy, dby, dX } = this.output.backward(pass.readout, B, dLogits);
    const top = pass.encoder.caches[pass.encoder.caches.length - 1];
    const R = top.length * H;
    const dDirections = top.map(() => new Float32Array(T * B * H));
    for (let b = 0; b < B; b++) {
      const row = ((lengths[b] - 1) * B + b) * H;
      dDirections.forEach((d, k) => d.set(dX.subarray(b * R + k * H, b * R + (k + 1) * H), row));
    }
    return { dWy, dby, encoder: this.network.backwardEncoder(pass.encoder, dDirections, flows, more) };
  }
}
