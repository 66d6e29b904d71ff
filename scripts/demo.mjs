// `npm run demo`: trains a small LSTM for about a minute on the project's own TypeScript
// sources (text that ships with the project) and prints samples at two temperatures.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const work = join(root, '.rnnlab', 'demo');
mkdirSync(work, { recursive: true });

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}
const files = collect(join(root, 'src'), []);
const corpus = files.map((f) => `// ${relative(root, f)}\n${readFileSync(f, 'utf8')}`).join('\n');
const corpusPath = join(work, 'corpus.txt');
writeFileSync(corpusPath, corpus);
console.log(`corpus: ${files.length} TypeScript files of RNN Lab itself, ${corpus.length.toLocaleString('en-US')} characters → ${relative(root, corpusPath)}`);

const cli = join(root, 'dist', 'cli.js');
const modelDir = join(work, 'model');
// Each demo run trains afresh (the CLI refuses to overwrite a model without --resume).
rmSync(modelDir, { recursive: true, force: true });
const run = (args) => {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const capture = (args) => {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  return r.stdout;
};

console.log('\n$ rnnlab train corpus.txt --out .rnnlab/demo/model --cell lstm --layers 1 --units 128 --minutes 1\n');
run(['train', corpusPath, '--out', modelDir, '--cell', 'lstm', '--layers', '1', '--units', '128', '--minutes', '1', '--sample-every', '0']);
for (const temperature of ['0.5', '1.0']) {
  console.log(`\n$ rnnlab sample .rnnlab/demo/model --prime "export function " --length 400 --temperature ${temperature}\n`);
  console.log(capture(['sample', modelDir, '--prime', 'export function ', '--length', '400', '--temperature', temperature, '--seed', '7']));
}
console.log('$ rnnlab eval .rnnlab/demo/model corpus.txt   (the whole corpus: its training and held-out parts)');
console.log(capture(['eval', modelDir, corpusPath]).trim());
