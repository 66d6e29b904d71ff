// Warnings that a run is learning its text by heart: too little text for the model before the
// first step, and validation loss rising while training loss falls during the run.

/**
 * Fewer training tokens per parameter than this warns before training. A char-level model wants
 * its text and its parameter count of the same order of magnitude (Karpathy's char-rnn advice);
 * a tenth of a token per parameter is an order below, where an LSTM memorises the text.
 */
export const SMALL_TEXT_TOKENS_PER_PARAMETER = 0.1;

/** Evaluations in a row with validation up and training down that count as overfitting. */
export const OVERFIT_EVALUATIONS = 3;

/** One sentence when the text is small for the model, else null. */
export function smallTextWarning(trainTokens: number, parameters: number): string | null {
  const ratio = trainTokens / parameters;
  if (ratio >= SMALL_TEXT_TOKENS_PER_PARAMETER) return null;
  return (
    `the text is small for this model: ${trainTokens.toLocaleString('en-US')} training tokens for ${parameters.toLocaleString('en-US')} parameters ` +
    `(${ratio.toPrecision(2)} per parameter, below ${SMALL_TEXT_TOKENS_PER_PARAMETER}), so it will likely learn the text by heart; ` +
    'use more text or a smaller model (fewer units or layers)'
  );
}

/** Watches (training loss, validation loss) at each evaluation for validation rising while training falls. */
export class OverfitWatch {
  private previous: { train: number; val: number } | null = null;
  private run = 0;
  private firstVal = 0;
  private warned = false;

  constructor(private readonly evaluations = OVERFIT_EVALUATIONS) {}

  /**
   * `train` is the mean training loss since the previous evaluation. Returns a message the first
   * time `evaluations` evaluations in a row had validation up and training down; a new best re-arms it.
   */
  observe(train: number | null, val: number, best: boolean, bestStep: number | null): string | null {
    if (best) this.warned = false;
    const prev = this.previous;
    this.previous = train === null ? null : { train, val };
    if (train === null || !prev || !(val > prev.val && train < prev.train)) {
      this.run = 0;
      return null;
    }
    if (this.run === 0) this.firstVal = prev.val;
    this.run++;
    if (this.run < this.evaluations || this.warned) return null;
    this.warned = true;
    return (
      `overfitting: validation loss rose for ${this.run} evaluations (${this.firstVal.toFixed(3)} → ${val.toFixed(3)}) while training loss fell; ` +
      `the best checkpoint${bestStep === null ? '' : ` (step ${bestStep})`} is kept`
    );
  }
}
