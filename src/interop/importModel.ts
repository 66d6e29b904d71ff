// `rnnlab import` and "RNN Lab: Import Model…": a TF.js Layers or PyTorch export → a new
// RNN Lab model folder. Everything is read and checked before anything is written.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { InteropError, checkOutputFree, writeFolderAtomically } from './exportFolder.js';
import type { InteropFormat } from './exportModel.js';
import { writeModelSnapshot } from './modelAccess.js';
import type { ModelSnapshot } from './modelAccess.js';
import { importPytorch } from './pytorchImport.js';
import { importTfjsLayers, tfjsModelJsonPath } from './tfjsLayersImport.js';
import type { ImportOptions } from './tfjsLayersImport.js';

export interface ImportModelOptions extends ImportOptions {
  out: string;
  /** Default: pytorch when PATH holds model.safetensors, else tfjs-layers. */
  format?: InteropFormat;
}

export interface ImportResult {
  out: string;
  format: InteropFormat;
  snapshot: ModelSnapshot;
}

export function detectFormat(path: string): InteropFormat {
  if (existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'model.safetensors'))) return 'pytorch';
  return 'tfjs-layers';
}

export function importModel(path: string, options: ImportModelOptions): ImportResult {
  if (!existsSync(path)) throw new InteropError(`${path} does not exist`);
  checkOutputFree(options.out);
  const format = options.format ?? detectFormat(path);
  let snapshot: ModelSnapshot;
  if (format === 'tfjs-layers') snapshot = importTfjsLayers(tfjsModelJsonPath(path), options);
  else if (format === 'pytorch') snapshot = importPytorch(path, options);
  else throw new InteropError(`unknown import format ${String(format)}`);
  writeFolderAtomically(options.out, (temp) => writeModelSnapshot(temp, snapshot));
  return { out: options.out, format, snapshot };
}
