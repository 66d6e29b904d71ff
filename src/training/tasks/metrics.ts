// Evaluation metrics of the sequence tasks, under the stable names `rnnlab eval --json` reports:
// classify (accuracy, macroF1, confusion, per-class precision/recall), tag (tokenAccuracy,
// entityF1 over BIO spans as conlleval counts them), seq2seq (exactMatch, cer).

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Examples whose true label is this class. */
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  /** Mean F1 over the classes that occur in the truth or the predictions. */
  macroF1: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted] counts, indexed like `labels`. */
  confusion: number[][];
  labels: string[];
}

/** Precision and recall are 0 (not NaN) when their denominator is: nothing predicted, nothing expected. */
function ratio(n: number, d: number): number {
  return d > 0 ? n / d : 0;
}

function f1(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** Metrics of predicted label ids against true ones (both index into `labels`). */
export function classificationMetrics(labels: readonly string[], truth: ArrayLike<number>, predicted: ArrayLike<number>): ClassificationMetrics {
  if (truth.length !== predicted.length) throw new RangeError(`${truth.length} true labels but ${predicted.length} predictions`);
  const K = labels.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    confusion[truth[i]][predicted[i]]++;
    if (truth[i] === predicted[i]) correct++;
  }
  const perClass = labels.map((label, k) => {
    const tp = confusion[k][k];
    const support = confusion[k].reduce((a, b) => a + b, 0);
    const predictedK = confusion.reduce((a, row) => a + row[k], 0);
    const precision = ratio(tp, predictedK);
    const recall = ratio(tp, support);
    return { label, precision, recall, f1: f1(precision, recall), support, predicted: predictedK };
  });
  const present = perClass.filter((c) => c.support > 0 || c.predicted > 0);
  return {
    accuracy: ratio(correct, truth.length),
    macroF1: ratio(
      present.reduce((a, c) => a + c.f1, 0),
      present.length,
    ),
    perClass: perClass.map(({ label, precision, recall, f1: f, support }) => ({ label, precision, recall, f1: f, support })),
    confusion,
    labels: labels.slice(),
  };
}

/** Share of tokens whose predicted tag equals the true one. */
export function tokenAccuracy(truth: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): number {
  let n = 0;
  let correct = 0;
  eachSentence(truth, predicted, (t, p) => {
    for (let i = 0; i < t.length; i++) {
      n++;
      if (t[i] === p[i]) correct++;
    }
  });
  return ratio(correct, n);
}

export interface Span {
  type: string;
  /** First token, inclusive. */
  start: number;
  /** Last token, inclusive. */
  end: number;
}

function prefixAndType(tag: string): [string, string] {
  return tag === 'O' || tag.length < 2 || tag[1] !== '-' ? ['O', ''] : [tag[0], tag.slice(2)];
}

/**
 * Entity spans of a BIO tag sequence as conlleval reads them: a span starts at B-X, or at I-X
 * after O or after another type; it ends before O, B-, or a change of type.
 */
export function bioSpans(tags: readonly string[]): Span[] {
  const spans: Span[] = [];
  let open: Span | null = null;
  tags.forEach((tag, i) => {
    const [prefix, type] = prefixAndType(tag);
    if (open && (prefix !== 'I' || type !== open.type)) {
      spans.push(open);
      open = null;
    }
    if (prefix !== 'O' && !open) open = { type, start: i, end: i };
    else if (open) open.end = i;
  });
  if (open) spans.push(open);
  return spans;
}

export interface EntityMetrics {
  precision: number;
  recall: number;
  entityF1: number;
  /** Spans in the truth, in the predictions, and predicted with type and both boundaries right. */
  expected: number;
  found: number;
  correct: number;
}

/** Entity-level precision/recall/F1: a predicted span counts only if its type and both boundaries match a true one. */
export function entityMetrics(truth: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): EntityMetrics {
  let expected = 0;
  let found = 0;
  let correct = 0;
  eachSentence(truth, predicted, (t, p) => {
    const want = bioSpans(t);
    const got = bioSpans(p);
    expected += want.length;
    found += got.length;
    const keys = new Set(want.map((s) => `${s.type}\u0000${s.start}\u0000${s.end}`));
    for (const s of got) if (keys.has(`${s.type}\u0000${s.start}\u0000${s.end}`)) correct++;
  });
  const precision = ratio(correct, found);
  const recall = ratio(correct, expected);
  return { precision, recall, entityF1: f1(precision, recall), expected, found, correct };
}

function eachSentence(
  truth: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
  fn: (t: readonly string[], p: readonly string[]) => void,
): void {
  if (truth.length !== predicted.length) throw new RangeError(`${truth.length} true sentences but ${predicted.length} predicted`);
  truth.forEach((t, s) => {
    if (t.length !== predicted[s].length) throw new RangeError(`sentence ${s + 1} has ${t.length} tokens but ${predicted[s].length} predicted tags`);
    fn(t, predicted[s]);
  });
}

/** Edit distance (insertions, deletions, substitutions each cost 1) between two sequences. */
export function levenshtein<T>(a: readonly T[], b: readonly T[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

export interface TransductionMetrics {
  /** Share of outputs equal to their reference. */
  exactMatch: number;
  /** Character error rate: Σ Levenshtein(output, reference) / Σ reference length, in code points. */
  cer: number;
}

export function transductionMetrics(references: readonly string[], outputs: readonly string[]): TransductionMetrics {
  if (references.length !== outputs.length) throw new RangeError(`${references.length} references but ${outputs.length} outputs`);
  let exact = 0;
  let edits = 0;
  let chars = 0;
  references.forEach((ref, i) => {
    if (ref === outputs[i]) exact++;
    const r = [...ref];
    edits += levenshtein(r, [...outputs[i]]);
    chars += r.length;
  });
  return { exactMatch: ratio(exact, references.length), cer: chars > 0 ? edits / chars : 0 };
}
