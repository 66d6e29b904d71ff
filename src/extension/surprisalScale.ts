// The surprisal colour scale (no vscode import): −log p in bits → one of a few bins, each with
// a background alpha that grows with surprise. Bins keep the number of decoration types small.
// The legend (value → colour) the hover shows is built from the same bins and colours.

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

/** Warm colours for surprise: one per theme kind so the text stays readable. */
const BASE: Record<'light' | 'dark', [number, number, number]> = { light: [230, 80, 0], dark: [255, 120, 60] };

/** The background of a bin as #rrggbbaa (the form VS Code's hover HTML allows in a style). */
export function binColor(bin: number, kind: 'light' | 'dark'): string {
  const hex = (v: number) => Math.round(v).toString(16).padStart(2, '0');
  const [r, g, b] = BASE[kind];
  return `#${hex(r)}${hex(g)}${hex(b)}${hex(binAlpha(bin) * 255)}`;
}

/** "0–1 bits" … "7+ bits": the surprisal range of a bin. */
export function binLabel(bin: number): string {
  return bin === BINS - 1 ? `${bin}+ bits` : `${bin}–${bin + 1} bits`;
}

/**
 * The scale as hover HTML: a swatch per bin with its range, the bin of the token under the
 * cursor in bold, so a colour in the editor can be read back as a number.
 */
export function legendHtml(kind: 'light' | 'dark', current: number | null): string {
  const cells = Array.from({ length: BINS }, (_, b) => {
    const label = b === current ? `<b>${binLabel(b)}</b>` : binLabel(b);
    return `<span style="background-color:${binColor(b, kind)};">&nbsp;&nbsp;&nbsp;</span>&nbsp;${label}`;
  });
  return `Colour scale (surprisal −log₂ p; clear = expected): ${cells.join(' · ')}`;
}
