// What Tag Selection paints, without VS Code: each tagged token of a selection as a document
// range with its entity type (O gets none), and one colour per entity type of the model's tag
// set, so a type keeps its colour from one run to the next.

import { bioSpans } from '../training/tasks/metrics.js';
import type { TokenTag } from '../training/tasks/tagModel.js';

/** Colours of entity types in the order the model's tags name them (then round again). */
export const TAG_COLOURS: readonly string[] = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

/** The entity type a tag marks: X for B-X and I-X, none for O, the tag itself for a plain tag set. */
export function entityType(tag: string): string | null {
  if (tag === 'O') return null;
  return /^[BI]-./.test(tag) ? tag.slice(2) : tag;
}

/** The entity types of a tag set, in the order of their first tag. */
export function entityTypes(tags: readonly string[]): string[] {
  return [...new Set(tags.map(entityType).filter((t): t is string => t !== null))];
}

export interface TagRange {
  /** Document offsets (UTF-16), end exclusive. */
  start: number;
  end: number;
  token: string;
  tag: string;
  probability: number;
  /** Every tag's probability, in the model's tag order. */
  probabilities: number[];
  /** Null for O: not decorated. */
  type: string | null;
}

/** Document ranges of the tokens of a text that starts at document offset `base`. */
export function tagRanges(tokens: readonly TokenTag[], base: number): TagRange[] {
  return tokens.map((t) => ({ start: base + t.start, end: base + t.end, token: t.token, tag: t.tag, probability: t.probability, probabilities: t.probabilities, type: entityType(t.tag) }));
}

/** The decorated ranges of each entity type (types with no token are absent). */
export function rangesByType(ranges: readonly TagRange[]): Map<string, TagRange[]> {
  const out = new Map<string, TagRange[]>();
  for (const r of ranges) {
    if (r.type === null) continue;
    const list = out.get(r.type);
    if (list) list.push(r);
    else out.set(r.type, [r]);
  }
  return out;
}

/** The range under document offset `offset` (a token's end is outside it), if any. */
export function rangeAt(ranges: readonly TagRange[], offset: number): TagRange | undefined {
  return ranges.find((r) => r.start <= offset && offset < r.end);
}

/** The status-bar legend: each type with its count, e.g. "NUM ×3 · PER ×1", or a word when nothing was found. */
export function legendText(ranges: readonly TagRange[]): string {
  const types = [...rangesByType(ranges).keys()];
  if (types.length === 0) return 'no entities';
  // BIO tags count spans as conlleval reads them; a plain tag is one entity per token.
  const counts = new Map(types.map((t) => [t, 0]));
  for (const s of bioSpans(ranges.map((r) => r.tag))) counts.set(s.type, (counts.get(s.type) ?? 0) + 1);
  for (const r of ranges) if (r.type !== null && r.type === r.tag) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return types.map((t) => `${t} ×${counts.get(t)}`).join(' · ');
}
