// `rnnlab export` and "RNN Lab: Export Model…": one model folder → a TF.js Layers or PyTorch folder.

import { InteropError, writeFiles, writeFolderAtomically } from './exportFolder.js';
import type { OutputFile } from './exportFolder.js';
import { readModelSnapshot } from './modelAccess.js';
import type { CheckpointKind } from './modelAccess.js';
import { pytorchExportFiles } from './pytorchExport.js';
import { tfjsLayersExportFiles } from './tfjsLayersExport.js';

export type InteropFormat = 'tfjs-layers' | 'pytorch';
export const INTEROP_FORMATS: readonly InteropFormat[] = ['tfjs-layers', 'pytorch'];

export interface ExportOptions {
  format: InteropFormat;
  out: string;
  /** Which save of the model folder to export. Default root. */
  checkpoint?: CheckpointKind;
}

export interface ExportResult {
  out: string;
  files: string[];
}

/** Exports a model folder; the pytorch format computes a reference batch, so the backend must be initialised. */
export function exportModel(dir: string, options: ExportOptions): ExportResult {
  const snapshot = readModelSnapshot(dir, options.checkpoint ?? 'root');
  let files: OutputFile[];
  if (options.format === 'tfjs-layers') files = tfjsLayersExportFiles(snapshot);
  else if (options.format === 'pytorch') files = pytorchExportFiles(snapshot);
  else throw new InteropError(`unknown export format ${String(options.format)}; use ${INTEROP_FORMATS.join(' or ')}`);
  writeFolderAtomically(options.out, (temp) => writeFiles(temp, files));
  return { out: options.out, files: files.map((f) => f.name) };
}
