// The model-folder format, the one place that reads and writes model.json. No tfjs, no vscode:
// the extension's activation, the Models view and the CLI's info all import it cheaply.
// Tensors ⇄ bin files live in src/training/checkpoint.ts, which builds on this.

export * from './schema.js';
export { migrateModelJson, MIGRATIONS } from './migrate.js';
export type { Migration } from './migrate.js';
export { parseModelMeta, validateModelMeta } from './validate.js';
export {
  checkpointDir,
  hasModelJson,
  modelJsonChanged,
  modelJsonPath,
  readModelHistory,
  readModelJsonText,
  readModelMeta,
  readModelMetaSnapshot,
  savedCheckpoints,
} from './read.js';
export { summarizeCheckpointJson, summarizeModelJson, tolerantHistory } from './summary.js';
export type { CheckpointSummary, ModelSummary, RunSummary, TensorSummary } from './summary.js';
export { readModelListing } from './listing.js';
export type { ModelListing } from './listing.js';
export { renameModelJson, writeModelJson } from './write.js';
export { deleteModelFolder, renameModelFolder } from './manage.js';
export { fsyncDir, tempPathFor, writeFileAtomic, writeFileSynced } from './atomicWrite.js';
