// The PyTorch peer: runs bench/torchBench.py with the first python3 that imports torch and
// reads back its one JSON line (seconds per step per thread count, BLAS, sgemm peak).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainShape } from './trainShapes.js';

export interface TorchResult {
  python: string;
  torch: string;
  blasInfo: string;
  blasLibraries: string[];
  env: Record<string, string>;
  configs: { name: string; secondsPerStep: Record<string, number> }[];
  sgemmGflops?: Record<string, number>;
}

export const TORCH_HINT = 'PyTorch not found: apt-get install python3-torch libopenblas0-pthread';

/** bench/torchBench.py next to this module's bundle (dist/../bench) or source (bench/). */
function scriptPath(): string | null {
  const candidates = [join(__dirname, 'torchBench.py'), join(__dirname, '..', 'bench', 'torchBench.py')];
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** A python3 that can import torch, or null. */
export function findTorchPython(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return python;
  }
  return null;
}

export interface TorchRunOptions {
  vocabSize: number;
  threads: number[];
  minSteps: number;
  maxSteps: number;
  budgetSeconds: number;
  peak: boolean;
}

/** Runs the PyTorch peer on `shapes`; throws with PyTorch's own last line when it fails. */
export function runTorch(python: string, shapes: readonly TrainShape[], options: TorchRunOptions): TorchResult {
  const script = scriptPath();
  if (!script) throw new Error('bench/torchBench.py is missing');
  const args = { ...options, configs: shapes };
  const r = spawnSync(python, [script, JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    const last = (r.stderr || r.stdout || '').trim().split('\n').pop() ?? '';
    throw new Error(`the PyTorch benchmark failed (${last})`);
  }
  return { python, ...(JSON.parse(r.stdout.trim().split('\n').pop() as string) as Omit<TorchResult, 'python'>) };
}

/** A readable name for the BLAS PyTorch has loaded, from the mapped libraries' paths. */
export function blasName(libraries: readonly string[]): string {
  const openblas = libraries.find((p) => /libopenblas/.test(p));
  if (openblas) {
    const version = /-r(\d+\.\d+\.\d+)/.exec(openblas)?.[1];
    const variant = /pthread|openblasp-/.test(openblas) ? 'pthread' : /openmp|openblaso-/.test(openblas) ? 'OpenMP' : 'serial';
    return `OpenBLAS${version ? ` ${version}` : ''} (${variant})`;
  }
  if (libraries.some((p) => /mkl/.test(p))) return 'MKL';
  if (libraries.some((p) => /\/blas\/libblas/.test(p))) return 'reference BLAS (netlib; install libopenblas0-pthread)';
  return libraries.length ? libraries.join(', ') : 'unknown';
}
