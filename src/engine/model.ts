// A trained model as the read-only operations (sampling, scoring, inspection) use it.

import type { Network } from './network.js';
import type { Vocabulary } from './tokenizer.js';

export interface Model {
  network: Network;
  vocab: Vocabulary;
}
