// What resuming a labelled task checks first: the folder holds a model of that task, and the
// file names no label (or tag) the model lacks an output for.

import { ConfigError } from '../../engine/config.js';
import type { ModelTask } from '../../model/index.js';
import type { LoadedFolder } from '../checkpoint.js';

/** The saved model's labels in output order; throws one sentence when the folder or the file does not fit. */
export function savedLabels(folder: LoadedFolder, task: ModelTask, fileLabels: readonly string[], noun: 'label' | 'tag'): string[] {
  const { meta } = folder;
  if (meta.task !== task || !meta.labels) throw new ConfigError(`${folder.dir} is a ${meta.task} model, not a ${task} model`);
  const known = meta.labels;
  const unknown = fileLabels.filter((l) => !known.includes(l));
  if (unknown.length > 0) throw new ConfigError(`the file has ${noun}${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} that the model does not know (it knows ${known.join(', ')})`);
  return known;
}
