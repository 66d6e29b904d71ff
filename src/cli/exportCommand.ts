// `rnnlab export DIR --format tfjs-layers|pytorch --out OUT`: writes the export folder and says what is in it.

import { initBackend } from '../engine/backend.js';
import type { BackendChoice } from '../engine/config.js';
import { exportModel } from '../interop/exportModel.js';
import type { InteropFormat } from '../interop/exportModel.js';
import type { CheckpointKind } from '../interop/modelAccess.js';

export interface ExportFlags {
  format: InteropFormat;
  out: string;
  checkpoint?: CheckpointKind;
  backend?: BackendChoice;
}

export async function runExport(dir: string, flags: ExportFlags, wasmDir: string): Promise<number> {
  // The PyTorch export stores the engine's probabilities on a reference batch, so it computes.
  if (flags.format === 'pytorch') await initBackend(flags.backend ?? 'auto', { wasmDir });
  const result = exportModel(dir, { format: flags.format, out: flags.out, checkpoint: flags.checkpoint ?? 'root' });
  process.stdout.write(`exported ${dir} as ${flags.format} to ${result.out}: ${result.files.join(', ')}\n`);
  if (flags.format === 'pytorch') {
    process.stdout.write(`train on N processes: torchrun --standalone --nproc_per_node N ${result.out}/train_ddp.py --text FILE --steps 1000\n`);
    process.stdout.write(`then bring it back: rnnlab import ${result.out} --format pytorch --out NEW_MODEL_DIR\n`);
  } else {
    process.stdout.write(`load it with tf.loadLayersModel('…/model.json'); vocab.json maps tokens to ids\n`);
  }
  return 0;
}
