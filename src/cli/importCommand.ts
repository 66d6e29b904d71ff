// `rnnlab import PATH --out DIR`: a TF.js Layers or PyTorch export becomes an RNN Lab model folder.

import { importModel } from '../interop/importModel.js';
import type { InteropFormat } from '../interop/exportModel.js';

export interface ImportFlags {
  out: string;
  format?: InteropFormat;
  vocab?: string;
  name?: string;
}

export function runImport(path: string, flags: ImportFlags): number {
  const { snapshot, format, out } = importModel(path, {
    out: flags.out,
    ...(flags.format ? { format: flags.format } : {}),
    ...(flags.vocab ? { vocab: flags.vocab } : {}),
    ...(flags.name ? { name: flags.name } : {}),
  });
  const n = snapshot.network;
  const shape = `${n.bidirectional ? 'bidirectional ' : ''}${n.cell.toUpperCase()} ${n.layers}×${n.units}, ${n.input === 'embedding' ? `embedding ${n.embeddingSize}` : 'one-hot'} input, ${n.vocabSize} ${snapshot.vocabulary.mode} tokens`;
  const count = snapshot.params.reduce((s, p) => s + p.data.length, 0);
  process.stdout.write(`imported ${path} (${format}) into ${out}: ${shape}, ${count.toLocaleString('en-US')} parameters\n`);
  process.stdout.write(`try: rnnlab sample ${out} --prime "…"\n`);
  return 0;
}
