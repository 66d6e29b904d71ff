// `rnnlab bench` in the CLI: validates the flags, then loads the benchmark from dist/bench.js,
// a separate bundle (it pulls in the devDependency tfjs-layers, which the product does not ship).

import type { BackendChoice } from '../engine/config.js';
import { UsageError } from './cliErrors.js';

export interface BenchFlags {
  json?: boolean;
  backend?: BackendChoice;
  steps?: number;
}

interface BenchModule {
  runBenchCommand(flags: BenchFlags, wasmDir: string): Promise<number>;
}

export async function runBenchCommand(flags: BenchFlags, wasmDir: string): Promise<number> {
  if (flags.steps !== undefined && (!Number.isInteger(flags.steps) || flags.steps < 1)) {
    throw new UsageError(`--steps must be a whole number ≥ 1, got ${flags.steps}`);
  }
  let bench: BenchModule;
  try {
    // A path computed at run time, so the bundler leaves the benchmark out of dist/cli.js.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    bench = require(`${wasmDir}/bench.js`) as BenchModule;
  } catch {
    process.stderr.write('rnnlab bench needs the development install: run `npm install` and `npm run bench` in the RNN Lab repository\n');
    return 1;
  }
  return bench.runBenchCommand(flags, wasmDir);
}
