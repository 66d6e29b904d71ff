// What Classify Selection reads and says, without VS Code: the lines of a selection (blank lines
// skipped, each with its line number) and a prediction in words ("pos 0.97 · neg 0.03").

export interface LineToClassify {
  /** 0-based line number in the document. */
  line: number;
  text: string;
}

/** The non-blank lines from `first` to `last` (inclusive) of `lines`, trimmed at the ends. */
export function linesToClassify(lines: readonly string[], first: number, last: number): LineToClassify[] {
  const out: LineToClassify[] = [];
  for (let i = Math.max(0, first); i <= Math.min(last, lines.length - 1); i++) {
    const text = lines[i]!.trim();
    if (text !== '') out.push({ line: i, text });
  }
  return out;
}

export interface PredictionText {
  label: string;
  probability: number;
  /** Every label with its probability, most probable first: "pos 0.97 · neg 0.03". */
  all: string;
}

/** The predicted label and the probabilities in words. */
export function predictionText(labels: readonly string[], probabilities: readonly number[]): PredictionText {
  const order = labels.map((_, k) => k).sort((a, b) => probabilities[b]! - probabilities[a]!);
  const top = order[0]!;
  return {
    label: labels[top]!,
    probability: probabilities[top]!,
    all: order.map((k) => `${labels[k]} ${probabilities[k]!.toFixed(2)}`).join(' · '),
  };
}
