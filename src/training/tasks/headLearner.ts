// What every task learner built on one engine head shares: the head's parameters, the network
// config and vocabulary of what was prepared, and passing refresh / dispose on to the head.

import type { NetworkConfig } from '../../engine/config.js';
import type { Param } from '../../engine/network.js';
import type { Vocabulary } from '../../engine/tokenizer.js';

export interface LearnerHead {
  readonly params: Param[];
  refresh(): void;
  dispose(): void;
}

export abstract class HeadLearner<H extends LearnerHead, P extends { network: NetworkConfig; vocab: Vocabulary }> {
  readonly params: Param[];
  readonly network: NetworkConfig;

  constructor(
    readonly head: H,
    protected readonly p: P,
  ) {
    this.params = head.params;
    this.network = p.network;
  }

  get vocabSize(): number {
    return this.p.vocab.size;
  }

  refresh(): void {
    this.head.refresh();
  }

  dispose(): void {
    this.head.dispose();
  }
}
