// Chooses and initialises the TensorFlow.js backend that runs the engine's matrix products:
// tensorflow (tfjs-node, native) > wasm (XNNPACK, bundled) > cpu (plain JavaScript).

import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendChoice, BackendName } from './config.js';

export interface BackendInfo {
  name: BackendName;
  /** Why `auto` did not pick a faster backend, when it did not. */
  fallbackReason?: string;
}

export interface BackendInitOptions {
  /** Folder holding tfjs-backend-wasm*.wasm (the bundle's dist/ folder). */
  wasmDir?: string;
}

export class BackendError extends Error {
  override name = 'BackendError';
}

let current: { info: BackendInfo; wasmDir?: string } | null = null;

// Registered explicitly: the package declares itself free of side effects, so a bare
// `import '@tensorflow/tfjs-backend-cpu'` is dropped by the bundler.
if (!tf.findBackendFactory('cpu')) tf.registerBackend('cpu', () => new MathBackendCPU(), 1);

function loadTfjsNode(): string | null {
  try {
    // Optional native dependency: absent or broken on machines that cannot fetch libtensorflow.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return tf.findBackendFactory('tensorflow') ? null : 'tfjs-node loaded but registered no backend';
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return `@tensorflow/tfjs-node is not available (${message})`;
  }
}

async function trySet(name: BackendName): Promise<string | null> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name ? null : `the ${name} backend failed to initialise`;
  } catch (err) {
    return `the ${name} backend failed to initialise (${err instanceof Error ? err.message : String(err)})`;
  }
}

/**
 * Initialises the backend once per process; later calls with a compatible choice return the
 * same info. `auto` tries tensorflow, then wasm, then cpu; an explicit choice that cannot load
 * throws a BackendError that says why.
 */
export function initBackend(choice: BackendChoice = 'auto', options: BackendInitOptions = {}): Promise<BackendInfo> {
  // Calls made while one is starting wait for it: two concurrent starts break the wasm backend.
  const next = inFlight.then(() => start(choice, options));
  inFlight = next.catch(() => undefined);
  return next;
}

let inFlight: Promise<unknown> = Promise.resolve();

async function start(choice: BackendChoice, options: BackendInitOptions): Promise<BackendInfo> {
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(choice)) {
    throw new BackendError(`backend must be auto, tensorflow, wasm or cpu, got ${String(choice)}`);
  }
  if (current && (choice === 'auto' || choice === current.info.name)) return current.info;
  tf.env().set('PROD', true);
  if (options.wasmDir) {
    setWasmPaths(options.wasmDir.endsWith('/') ? options.wasmDir : `${options.wasmDir}/`);
  }
  const reasons: string[] = [];
  const order: BackendName[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  for (const name of order) {
    let reason: string | null;
    if (name === 'tensorflow') {
      reason = loadTfjsNode();
      if (!reason) reason = await trySet('tensorflow');
    } else {
      reason = await trySet(name);
    }
    if (!reason) {
      const info: BackendInfo = { name };
      if (reasons.length) info.fallbackReason = reasons.join('; ');
      current = { info, wasmDir: options.wasmDir };
      return info;
    }
    reasons.push(reason);
  }
  throw new BackendError(
    choice === 'auto' ? `no TensorFlow.js backend could start: ${reasons.join('; ')}` : `cannot use the ${choice} backend: ${reasons[0]}`,
  );
}

/** The backend in use, or null before initBackend. */
export function currentBackend(): BackendInfo | null {
  return current?.info ?? null;
}
