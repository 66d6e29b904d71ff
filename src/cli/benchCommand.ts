// `rnnlab bench` in the CLI: validates the flags, then runs the benchmark, dist/bench.js, in its
// own process: a separate bundle (it pulls in the devDependency tfjs-layers, which the product
// does not ship) with its own copy of tfjs, which must not share this process's registry.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice } from '../engine/config.js';
import { UsageError } from './cliErrors.js';

export interface BenchFlags {
  json?: boolean;
  backend?: BackendChoice;
  steps?: number;
}

export async function runBenchCommand(flags: BenchFlags, wasmDir: string): Promise<number> {
  if (flags.steps !== undefined && (!Number.isInteger(flags.steps) || flags.steps < 1)) {
    throw new UsageError(`--steps must be a whole number ≥ 1, got ${flags.steps}`);
  }
  const bench = join(wasmDir, 'bench.js');
  if (!existsSync(bench)) {
    process.stderr.write('rnnlab bench needs the development install: run `npm install` and `npm run bench` in the RNN Lab repository\n');
    return 1;
  }
  const child = spawn(process.execPath, [bench, JSON.stringify(flags)], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
