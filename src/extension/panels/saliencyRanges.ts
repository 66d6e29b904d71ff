// A classifier's saliency over an inspected selection as editor ranges: one range per token
// (document offsets, surrounding whitespace left out), its value and colour level (pure: no
// vscode, unit-tested in node).

import { LEVELS } from './unitColorLevels.js';

export interface SaliencyRange {
  /** Document offsets [start, end). */
  start: number;
  end: number;
  token: number;
  /** ‖∂ log p(label)/∂x⟨t⟩‖ of the token. */
  value: number;
  /** Colour level 0 … LEVELS − 1 of value / (largest value) on the magnitude scale. */
  level: number;
}

/**
 * Ranges of the tokens of `text` (token t covers [offsets[t], offsets[t + 1])), shifted by
 * `base`, where the text starts in the document. Whitespace is not coloured: a token's range
 * is trimmed, and a token of whitespace only has none.
 */
export function saliencyRanges(text: string, offsets: readonly number[], saliency: readonly number[], base: number): SaliencyRange[] {
  let max = 0;
  for (const v of saliency) if (Number.isFinite(v) && v > max) max = v;
  const out: SaliencyRange[] = [];
  for (let t = 0; t < saliency.length; t++) {
    let a = offsets[t]!;
    let b = Math.min(offsets[t + 1] ?? text.length, text.length);
    while (a < b && /\s/.test(text[a]!)) a++;
    while (b > a && /\s/.test(text[b - 1]!)) b--;
    if (a >= b) continue;
    const v = saliency[t]!;
    const level = max > 0 && Number.isFinite(v) ? Math.max(0, Math.min(LEVELS - 1, Math.round((v / max) * (LEVELS - 1)))) : 0;
    out.push({ start: base + a, end: base + b, token: t, value: v, level });
  }
  return out;
}
