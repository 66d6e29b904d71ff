// Opens a model folder for the read-only commands: starts the backend, then loads and
// validates the chosen checkpoint.

import { initBackend } from '../engine/backend.js';
import type { BackendInfo } from '../engine/backend.js';
import type { BackendChoice } from '../engine/config.js';
import { loadModel } from '../training/checkpoint.js';
import type { LoadedModel } from '../training/checkpoint.js';
import type { CheckpointKind } from '../model/index.js';

export interface ModelFlags {
  checkpoint?: CheckpointKind;
  backend?: BackendChoice;
}

export async function openModel(dir: string, flags: ModelFlags, wasmDir: string): Promise<LoadedModel & { backend: BackendInfo }> {
  const backend = await initBackend(flags.backend ?? 'auto', { wasmDir });
  const loaded = await loadModel(dir, { checkpoint: flags.checkpoint ?? 'root' });
  return { ...loaded, backend };
}
