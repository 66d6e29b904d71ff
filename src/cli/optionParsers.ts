// Parsers for numeric flags: a value that is not a number is a usage error naming the flag;
// range checks stay with resolveTrainConfig / resolveNetworkConfig, which own the rules.

import { InvalidArgumentError } from 'commander';

export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}".`);
  return n;
}

export function parseInteger(value: string): number {
  const n = parseNumber(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${value}".`);
  return n;
}
