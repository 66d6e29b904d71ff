// The surprisal colour scale (no vscode import): −log p in bits → one of a few bins, each with
// a background alpha that grows with surprise. Bins keep the number of decoration types small.

/** Bins in bits per token: [0,1), [1,2), … [BINS−1, ∞). */
export const BINS = 8;

/** The bin of a surprisal given in nats. */
export function surprisalBin(nats: number): number {
  if (!(nats > 0)) return 0;
  return Math.min(BINS - 1, Math.floor(nats / Math.LN2));
}

/** Background alpha of a bin: unexpected tokens stand out, expected ones stay clear. */
export function binAlpha(bin: number): number {
  return bin === 0 ? 0 : 0.08 + (0.55 * bin) / (BINS - 1);
}
