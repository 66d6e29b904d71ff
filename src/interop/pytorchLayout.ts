// The engine's parameters under the names and layouts PyTorch modules use, and back.
// PyTorch multiplies column vectors (W·x), so every matrix is the transpose of the engine's:
//   RNN / LSTM → nn.RNN / nn.LSTM ("rnn.weight_ih_l{k}" [G·H, in], "rnn.weight_hh_l{k}" [G·H, H],
//     "rnn.bias_ih_l{k}" and a zero "rnn.bias_hh_l{k}"); LSTM rows in torch's order i, f, g, o
//     (= Keras's i, f, c, o: Γu, Γf, c̃, Γo);
//   GRU → train_ddp.py's NotesGRU (nn.GRU resets after the product): the same names, rows
//     in the engine's order Γu, Γr, c̃, no bias_hh;
//   "embedding.weight" [V, E]; "output.weight" [V, width], "output.bias" [V].

import type { NetworkConfig } from '../engine/config.js';
import { InteropError } from './exportFolder.js';
import { CELL_GATE_COUNT, fromKerasLayout, toKerasLayout, transposed } from './kerasLayout.js';
import type { TensorData } from './modelAccess.js';

/** Engine parameters → PyTorch state_dict entries. */
export function toPytorchTensors(network: NetworkConfig, params: readonly TensorData[]): TensorData[] {
  if (network.bidirectional) throw new InteropError('a bidirectional model cannot be exported to PyTorch: a language model reads left to right');
  const { cell, units: H, vocabSize: V } = network;
  const G = CELL_GATE_COUNT[cell];
  const get = (name: string) => {
    const p = params.find((t) => t.name === name);
    if (!p) throw new InteropError(`the model has no parameter ${name}`);
    return p.data;
  };
  const out: TensorData[] = [];
  if (network.input === 'embedding') out.push({ name: 'embedding.weight', shape: [V, network.embeddingSize], data: get('embedding').slice() });
  for (let l = 0; l < network.layers; l++) {
    const inWidth = l === 0 ? (network.input === 'embedding' ? network.embeddingSize : V) : H;
    const p = `layer${l}.fw.`;
    const Wx = get(`${p}Wx`);
    const b = get(`${p}b`);
    if (cell === 'gru') {
      // [Wh_ur | Wh_c] side by side is H×3H in the engine's own block order.
      const ur = get(`${p}Wh_ur`);
      const c = get(`${p}Wh_c`);
      const hh = new Float32Array(H * 3 * H);
      for (let r = 0; r < H; r++) {
        hh.set(ur.subarray(r * 2 * H, (r + 1) * 2 * H), r * 3 * H);
        hh.set(c.subarray(r * H, (r + 1) * H), r * 3 * H + 2 * H);
      }
      out.push({ name: `rnn.weight_ih_l${l}`, shape: [3 * H, inWidth], data: transposed(Wx, inWidth, 3 * H) });
      out.push({ name: `rnn.weight_hh_l${l}`, shape: [3 * H, H], data: transposed(hh, H, 3 * H) });
      out.push({ name: `rnn.bias_ih_l${l}`, shape: [3 * H], data: b.slice() });
      continue;
    }
    const k = toKerasLayout(cell, H, inWidth, { Wx, recurrent: [get(`${p}Wh`)], b });
    out.push({ name: `rnn.weight_ih_l${l}`, shape: [G * H, inWidth], data: transposed(k.kernel, inWidth, G * H) });
    out.push({ name: `rnn.weight_hh_l${l}`, shape: [G * H, H], data: transposed(k.recurrentKernel, H, G * H) });
    out.push({ name: `rnn.bias_ih_l${l}`, shape: [G * H], data: k.bias });
    out.push({ name: `rnn.bias_hh_l${l}`, shape: [G * H], data: new Float32Array(G * H) });
  }
  out.push({ name: 'output.weight', shape: [V, H], data: transposed(get('output.Wy'), H, V) });
  out.push({ name: 'output.bias', shape: [V], data: get('output.by').slice() });
  return out;
}

/** PyTorch state_dict entries → engine parameters, in the engine's order; `where` names the file. */
export function fromPytorchTensors(
  where: string,
  network: NetworkConfig,
  tensors: ReadonlyMap<string, { shape: number[]; data: ArrayLike<number> }>,
): TensorData[] {
  const { cell, units: H, vocabSize: V } = network;
  const G = CELL_GATE_COUNT[cell];
  const get = (name: string, shape: number[]): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw new InteropError(`${where} has no tensor ${name}`);
    if (t.shape.join() !== shape.join()) throw new InteropError(`${where}: tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    return Float32Array.from(t.data);
  };
  const params: TensorData[] = [];
  if (network.input === 'embedding')
    params.push({ name: 'embedding', shape: [V, network.embeddingSize], data: get('embedding.weight', [V, network.embeddingSize]) });
  for (let l = 0; l < network.layers; l++) {
    const inWidth = l === 0 ? (network.input === 'embedding' ? network.embeddingSize : V) : H;
    const p = `layer${l}.fw.`;
    const Wx = transposed(get(`rnn.weight_ih_l${l}`, [G * H, inWidth]), G * H, inWidth);
    const hh = transposed(get(`rnn.weight_hh_l${l}`, [G * H, H]), G * H, H);
    const bias = get(`rnn.bias_ih_l${l}`, [G * H]);
    if (cell === 'gru') {
      const ur = new Float32Array(H * 2 * H);
      const c = new Float32Array(H * H);
      for (let r = 0; r < H; r++) {
        ur.set(hh.subarray(r * 3 * H, r * 3 * H + 2 * H), r * 2 * H);
        c.set(hh.subarray(r * 3 * H + 2 * H, (r + 1) * 3 * H), r * H);
      }
      params.push(
        { name: `${p}Wx`, shape: [inWidth, 3 * H], data: Wx },
        { name: `${p}Wh_ur`, shape: [H, 2 * H], data: ur },
        { name: `${p}Wh_c`, shape: [H, H], data: c },
        { name: `${p}b`, shape: [3 * H], data: bias },
      );
      continue;
    }
    // The engine has one bias; PyTorch's two are added in the same pre-activation.
    const bhh = get(`rnn.bias_hh_l${l}`, [G * H]);
    const e = fromKerasLayout(cell, H, inWidth, { kernel: Wx, recurrentKernel: hh, bias: bias.map((v, i) => v + bhh[i]) });
    params.push(
      { name: `${p}Wx`, shape: [inWidth, G * H], data: e.Wx },
      { name: `${p}Wh`, shape: [H, G * H], data: e.recurrent[0] },
      { name: `${p}b`, shape: [G * H], data: e.b },
    );
  }
  params.push({ name: 'output.Wy', shape: [H, V], data: transposed(get('output.weight', [V, H]), V, H) });
  params.push({ name: 'output.by', shape: [V], data: get('output.bias', [V]) });
  for (const p of params) if (!p.data.every(Number.isFinite)) throw new InteropError(`${where}: tensor for ${p.name} holds NaN or Infinity`);
  return params;
}
