// Errors the CLI reports and the exit code each maps to: 2 for a usage error (bad flags or
// option values), 1 for anything that went wrong while running.

import { CommanderError } from 'commander';

import { ConfigError } from '../engine/config.js';

/** The command line itself is wrong (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The input could not be used: a missing, empty or binary file, a text too small (exit 1). */
export class InputError extends Error {
  override name = 'InputError';
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (error instanceof UsageError || error instanceof ConfigError) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** The one line printed on stderr for an error, without the `rnnlab: ` prefix. */
export function errorLine(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  // commander prefixes its messages with "error: "; ours are prefixed with "rnnlab: " instead.
  if (error instanceof CommanderError) message = message.replace(/^error: /, '');
  const line = message.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return line.trim();
}
