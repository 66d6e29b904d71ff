// The gate inspector for a seq2seq model, through Seq2seqHead's public methods only: the
// encoder's gates over the source, the decoder's (teacher-forced over the model's own output),
// the source × output saliency, the attention weights (when the model attends) and gradient flow
// of −log p(output) through the encoder.

import { seq2seqBatch } from '../../engine/heads/seq2seqHead.js';
import type { InspectionOf, TakeTrace } from '../../engine/inspect.js';
import { checkTokens, encoderInspection, passTraces } from '../../engine/inspect.js';
import { EOS } from '../../engine/tokenizer.js';
import { transduce } from '../../engine/transduce.js';
import { decodeOptions } from './seq2seqModel.js';
import type { Transducer } from './seq2seqModel.js';
import type { TaskInspectOptions } from './taskInspect.js';

/** One pair's attention weights (a batch of one: row j is decoder step j) as rows of the source's length. */
function attentionRows(alpha: Float32Array | undefined, Ts: number): { attention?: number[][] } {
  if (!alpha) return {};
  return { attention: Array.from({ length: alpha.length / Ts }, (_, j) => Array.from(alpha.subarray(j * Ts, (j + 1) * Ts))) };
}

export function inspectSeq2seq<G>(t: Pick<Transducer, 'head' | 'vocab'>, text: string, options: TaskInspectOptions, take: TakeTrace<G>): InspectionOf<G> {
  const { head, vocab } = t;
  if (options.position !== undefined) throw new RangeError("a seq2seq model's loss is read from the whole output: position applies to language and tag models");
  const beam = options.beam ?? 1;
  if (!(Number.isInteger(beam) && beam >= 1)) throw new RangeError(`beam must be a whole number ≥ 1, got ${beam}`);
  const { ids: source, offsets } = vocab.encodeWithOffsets(text);
  checkTokens(source.length, options);
  const { start, end } = decodeOptions(vocab);
  const [output] = transduce(head, [source], beam, { start, end });
  // The decoder reads <EOS> then the output, and predicts the output then <EOS>: one step per decoderToken.
  const pass = head.forward(seq2seqBatch([source], [output.ids], start, end));
  const cell = head.config.cell;
  const encoder = encoderInspection(text, offsets, pass.encoder, cell, take);
  const result: InspectionOf<G> = {
    ...encoder,
    layers: [...encoder.layers, ...passTraces(pass.decoder, cell, take, 'decoder')],
    decoderTokens: [...Array.from(output.ids, (id) => vocab.tokenText(id)), EOS],
    task: { task: 'seq2seq', output: vocab.decode(output.ids), saliency: head.saliency(source, output.ids, start, end), ...attentionRows(pass.attention?.pass.alpha, source.length) },
  };
  if (options.gradients) result.gradients = { position: source.length - 1, norms: head.gradientFlow(source, output.ids, start, end) };
  return result;
}
