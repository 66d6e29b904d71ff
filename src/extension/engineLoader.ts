// Lazy door to the engine: the first call loads engineOps (and with it tfjs); activation and
// the Models view never call it.

import type * as engineOps from './engineOps.js';

export type EngineOps = typeof engineOps;

let engine: Promise<EngineOps> | null = null;

export function loadEngine(): Promise<EngineOps> {
  engine ??= import('./engineOps.js');
  return engine;
}

/** Whether the engine has been requested yet (the activation test and the log use it). */
export function engineRequested(): boolean {
  return engine !== null;
}
