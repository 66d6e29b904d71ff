// Shared test fixtures: where the wasm binaries are and the shared corpus.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..');
export const wasmDir = join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
export const shakespearePath = join(repoRoot, '..', 'shared', 'data', 'tinyshakespeare.txt');
export const haveShakespeare = existsSync(shakespearePath);
