// The migration hook: every model.json read is brought up to the current layout here before
// it is validated, so old folders keep loading and nothing else knows their old shapes.
// A format-version bump adds a migration that rewrites the old version's content and sets
// the new `formatVersion`; a version no migration reaches is refused by the validator.

type Json = Record<string, unknown>;

/** One upgrade step of model.json content. */
export interface Migration {
  /** What it changes, in a line (for the docs and for debugging). */
  what: string;
  applies(raw: Json): boolean;
  apply(raw: Json): Json;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const CARRY_PREFIX = 'carry/';

/**
 * Before the `carry` field, the trainer saved the carried recurrent state as optimizer slots
 * named `carry/layer<l>/a|c` inside optimizer.bin. Their manifest entries move to `carry`,
 * which keeps pointing at optimizer.bin (same bytes and checksum), so no bin is rewritten.
 */
const carryOutOfOptimizer: Migration = {
  what: 'version 1 without "carry": the carried state moves out of the optimizer manifest',
  applies: (raw) => raw.formatVersion === 1 && raw.carry === undefined,
  apply(raw) {
    const optimizer = raw.optimizer;
    if (!isObject(optimizer) || !Array.isArray(optimizer.tensors)) return { ...raw, carry: null };
    const isCarry = (t: unknown) => isObject(t) && typeof t.name === 'string' && t.name.startsWith(CARRY_PREFIX);
    const carried = optimizer.tensors.filter(isCarry) as Json[];
    if (carried.length === 0) return { ...raw, carry: null };
    const shape = carried[0]!.shape;
    return {
      ...raw,
      optimizer: { ...optimizer, tensors: optimizer.tensors.filter((t) => !isCarry(t)) },
      carry: {
        file: optimizer.file,
        bytes: optimizer.bytes,
        crc32: optimizer.crc32,
        batch: Array.isArray(shape) ? shape[0] : undefined,
        tensors: carried.map((t) => ({ ...t, name: (t.name as string).slice(CARRY_PREFIX.length) })),
      },
    };
  },
};

export const MIGRATIONS: readonly Migration[] = [carryOutOfOptimizer];

/** Applies every migration that applies, in order; returns a new object (the input is kept). */
export function migrateModelJson(raw: Json, migrations: readonly Migration[] = MIGRATIONS): Json {
  let out = raw;
  for (const m of migrations) if (m.applies(out)) out = m.apply(out);
  return out;
}
