// Quantises per-character unit values into a few colour levels and runs of equal level, so
// the editor needs one decoration type per level (pure: no vscode, unit-tested in node).

import type { ScaleKind } from '../../../webview/common/colorScales.js';

/** Levels per scale: enough to read the pattern, few enough to keep decoration types cheap. */
export const LEVELS = 17;

/** Level of `v` on the scale (0 … LEVELS − 1). Signed values span [−1, 1], unit and magnitude values [0, 1]. */
export function levelOf(kind: ScaleKind, v: number): number {
  const t = kind === 'signed' ? (v + 1) / 2 : v;
  return Math.max(0, Math.min(LEVELS - 1, Math.round((Number.isFinite(t) ? t : 0.5) * (LEVELS - 1))));
}

/** Centre value of a level, back on the scale's own range. */
export const levelValue = (kind: ScaleKind, level: number) => {
  const t = level / (LEVELS - 1);
  return kind === 'signed' ? t * 2 - 1 : t;
};

/** Runs of equal level: [start, end, level] in text offsets; newlines are left undecorated. */
export function levelRuns(text: string, values: readonly number[], kind: ScaleKind): [number, number, number][] {
  const runs: [number, number, number][] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n' || text[i] === '\r') continue;
    const level = levelOf(kind, values[i]!);
    const last = runs[runs.length - 1];
    if (last && last[1] === i && last[2] === level) last[1] = i + 1;
    else runs.push([i, i + 1, level]);
  }
  return runs;
}
