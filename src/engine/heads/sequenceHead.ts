// What the task heads share: the recurrent layers (a Network without its language-model output
// layer) and a dense output layer of their own over K classes, as one parameter list.

import type { NetworkConfig } from '../config.js';
import { ConfigError } from '../config.js';
import { Rng } from '../math.js';
import type { Param } from '../network.js';
import { Network } from '../network.js';
import { DenseLayer } from './denseLayer.js';

export interface HeadLoss {
  /** Mean cross-entropy over the counted examples (classify) or real tokens (tag), nats. */
  loss: number;
  count: number;
}

export interface HeadGrads extends HeadLoss {
  /** One gradient per parameter, in `params` order. */
  grads: Float32Array[];
}

/** A concrete head class: how its statics build one. */
export interface HeadClass<T extends SequenceHead> {
  new (network: Network, output: DenseLayer, classes: number): T;
  /** Name prefix of the head's output-layer parameters. */
  readonly prefix: string;
  /** Width of what the output layer reads, for a network config. */
  inWidth(config: NetworkConfig): number;
}

/** A copy of the stored tensor `name`, which must have `shape`. */
export function storedTensor(params: ReadonlyMap<string, Param>, name: string, shape: readonly number[]): Float32Array {
  const p = params.get(name);
  if (!p) throw new ConfigError(`parameter ${name} is missing`);
  if (p.shape.join() !== shape.join() || p.data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new ConfigError(`parameter ${name} has shape [${p.shape}], expected [${shape}]`);
  }
  return p.data.slice();
}

function checkClasses(classes: number): void {
  if (!(Number.isInteger(classes) && classes >= 2)) throw new ConfigError(`a task head needs at least 2 classes, got ${classes}`);
}

export abstract class SequenceHead {
  readonly network: Network;
  readonly output: DenseLayer;
  readonly classes: number;
  /** The network's parameters, then the head's Wy and by. */
  readonly params: Param[];

  constructor(network: Network, output: DenseLayer, classes: number) {
    this.network = network;
    this.output = output;
    this.classes = classes;
    this.params = [...network.params, output.Wy, output.by];
  }

  /** A seeded network and Glorot output weights. */
  static create<T extends SequenceHead>(this: HeadClass<T>, config: NetworkConfig, classes: number, seed: number): T {
    checkClasses(classes);
    const network = Network.create(config, seed, { outputLayer: false });
    const output = new DenseLayer(this.prefix, this.inWidth(config), classes);
    output.initialise(new Rng(seed + 1));
    return new this(network, output, classes);
  }

  /** A head from stored parameters (names and shapes must match). */
  static fromParams<T extends SequenceHead>(this: HeadClass<T>, config: NetworkConfig, classes: number, params: readonly Param[]): T {
    checkClasses(classes);
    const prefix = this.prefix;
    const head = new Map(params.filter((p) => p.name.startsWith(`${prefix}.`)).map((p) => [p.name, p]));
    const network = Network.fromParams(
      config,
      params.filter((p) => !head.has(p.name)),
      { outputLayer: false },
    );
    const width = this.inWidth(config);
    const expect = (name: string, shape: number[]): Float32Array => storedTensor(head, name, shape);
    const output = new DenseLayer(prefix, width, classes, { Wy: expect(`${prefix}.Wy`, [width, classes]), by: expect(`${prefix}.by`, [classes]) });
    return new this(network, output, classes);
  }

  /** Parameter names and shapes a config implies, in `params` order. */
  static paramShapes(this: HeadClass<SequenceHead>, config: NetworkConfig, classes: number): { name: string; shape: number[] }[] {
    const width = this.inWidth(config);
    return [
      ...Network.paramShapes(config, { outputLayer: false }),
      { name: `${this.prefix}.Wy`, shape: [width, classes] },
      { name: `${this.prefix}.by`, shape: [classes] },
    ];
  }

  /** Call after changing parameter values in place. */
  refresh(): void {
    this.network.refresh();
  }

  dispose(): void {
    this.network.dispose();
  }

  /** The network's gradients by name and the output layer's, in `params` order. */
  protected gradientList(encoder: Map<string, Float32Array>, dWy: Float32Array, dby: Float32Array): Float32Array[] {
    encoder.set(this.output.Wy.name, dWy);
    encoder.set(this.output.by.name, dby);
    return this.params.map((p) => {
      const g = encoder.get(p.name);
      if (!g) throw new Error(`no gradient for ${p.name}`);
      return g;
    });
  }
}
