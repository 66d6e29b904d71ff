// When a run has diverged: a loss or gradient norm that is not finite, or far above the run's
// recent range. A diverged state is never saved; the run stops at the last sane save.

/** How many recent steps make "the run's recent range". */
export const RECENT_STEPS = 50;
/** A loss above this many times the larger of the recent median and ln V (a uniform guess) has diverged. */
export const LOSS_FACTOR = 3;
/** A gradient norm above this many times the recent median has diverged (clipping handles smaller spikes). */
export const GRAD_FACTOR = 1e4;
const MIN_GRAD_HISTORY = 10;

const show = (x: number) => (Math.abs(x) >= 1e6 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : String(Number(x.toPrecision(3))));

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The last RECENT_STEPS values of one measure. */
export class RecentRange {
  private readonly values: number[] = [];

  push(x: number): void {
    this.values.push(x);
    if (this.values.length > RECENT_STEPS) this.values.shift();
  }

  get all(): readonly number[] {
    return this.values;
  }

  median(): number | null {
    return median(this.values);
  }

  /** "1.92–2.41 over the last 50 steps", or "" before any step. */
  describe(): string {
    if (this.values.length === 0) return '';
    return `${show(Math.min(...this.values))}–${show(Math.max(...this.values))} over the last ${this.values.length} step${this.values.length === 1 ? '' : 's'}`;
  }
}

/** The highest sane loss: LOSS_FACTOR × max(recent median, ln V). */
export function lossLimit(losses: RecentRange, vocabSize: number): number {
  return LOSS_FACTOR * Math.max(Math.log(vocabSize), losses.median() ?? 0);
}

/** Why `loss` shows divergence against the run's recent losses, or null when it is sane. */
export function lossDivergence(what: string, loss: number, losses: RecentRange, vocabSize: number): string | null {
  if (!Number.isFinite(loss)) return `the ${what} became ${Number.isNaN(loss) ? 'NaN' : 'infinite'}`;
  const limit = lossLimit(losses, vocabSize);
  if (loss <= limit) return null;
  const range = losses.describe();
  return `the ${what} jumped to ${show(loss)}, far above the run's recent range (${range ? `${range}; ` : ''}the limit is ${show(limit)}, ${LOSS_FACTOR}× the larger of the recent median and ln ${vocabSize} = ${show(Math.log(vocabSize))})`;
}

/** Why a gradient norm shows divergence, or null when it is sane. */
export function gradDivergence(gradNorm: number, norms: RecentRange): string | null {
  if (!Number.isFinite(gradNorm)) return `the gradient became ${Number.isNaN(gradNorm) ? 'NaN' : 'infinite'}`;
  const m = norms.median();
  if (m === null || norms.all.length < MIN_GRAD_HISTORY || gradNorm <= GRAD_FACTOR * m) return null;
  return `the gradient norm jumped to ${show(gradNorm)}, ${show(gradNorm / m)}× the recent median ${show(m)} (${norms.describe()})`;
}
