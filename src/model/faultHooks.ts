// Test-only ways into the save window: with RNNLAB_FAULT_SAVE_PAUSE_MS set, every stage of a
// model save waits that long, so a fault test's kill -9 lands inside saves, not only between them.

import type { SaveOptions } from '../training/checkpoint.js';

const ENV = 'RNNLAB_FAULT_SAVE_PAUSE_MS';

/** Save options for saveModelFolder: none, unless the fault suite asked for pauses. */
export function saveHooksFromEnv(env: NodeJS.ProcessEnv = process.env): SaveOptions {
  const ms = Number(env[ENV] ?? 0);
  if (!(ms > 0)) return {};
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return { beforeStage: () => void Atomics.wait(cell, 0, 0, ms) };
}

/** With RNNLAB_FAULT_SAVE_INTERVAL_MS set, periodic saves may come that often (the fault suite
 * needs many saves in a few seconds to kill inside them); otherwise undefined. */
export function saveIntervalFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const ms = Number(env.RNNLAB_FAULT_SAVE_INTERVAL_MS);
  return env.RNNLAB_FAULT_SAVE_INTERVAL_MS !== undefined && ms >= 0 ? ms : undefined;
}
