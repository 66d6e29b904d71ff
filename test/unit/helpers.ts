// Shared test fixtures: where the wasm binaries are and the shared corpus.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import assert from 'node:assert/strict';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..');
export const wasmDir = join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
export const shakespearePath = join(repoRoot, '..', 'shared', 'data', 'tinyshakespeare.txt');
export const haveShakespeare = existsSync(shakespearePath);

export const cliPath = join(repoRoot, 'dist', 'cli.js');

/** Newest modification time of the files the CLI bundle is built from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ unless dist/cli.js is newer than every source: `npm test` has just built it, and
 * rewriting dist/ while other test files use it would race with them. */
export function ensureCliBuilt(): void {
  const built = existsSync(cliPath) ? statSync(cliPath).mtimeMs : 0;
  const sources = Math.max(newestSource(join(repoRoot, 'src')), newestSource(join(repoRoot, 'bench')), statSync(join(repoRoot, 'package.json')).mtimeMs);
  if (built < sources) {
    const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(build.status, 0, `build failed: ${build.stderr}`);
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `rnnlab` with `args` and waits for it. */
export function rnnlab(args: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = process.env): CliRun {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: timeoutMs, env });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 1 and exactly one stderr line `rnnlab: …` matching `pattern`, nothing on stdout. */
export function assertOneLineFailure(r: CliRun, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one stderr line, got: ${r.stderr}`);
  assert.match(lines[0], /^rnnlab: /);
  assert.match(lines[0], pattern);
  assert.equal(r.stdout, '');
}
