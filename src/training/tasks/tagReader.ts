// Tagging files (many-to-many, Tx = Ty): CoNLL style, one `token<whitespace>tag` per line (extra
// middle columns allowed, the tag is the last), a blank line after each sentence. BIO tags are
// validated: an entity starts with B-X and continues with I-X of the same type.

import { formatCount, isJsonObjectLine, MAX_LABELS, numberedLines, plural, TaskFormatError } from './taskFormat.js';

/** Longest sentence accepted: a longer run without a blank line means the blank lines are missing. */
export const MAX_SENTENCE_TOKENS = 500;

export interface TaggedSentence {
  tokens: string[];
  tags: string[];
  /** 1-based file line of each token. */
  lines: number[];
}

export type TagScheme = 'bio' | 'plain';

export interface TagData {
  sentences: TaggedSentence[];
  /** Distinct tags in the order they first appear. */
  tags: string[];
  /** `bio` when the tags are O / B-X / I-X (entity metrics apply), else `plain`. */
  scheme: TagScheme;
  description: string;
}

export const TAG_EXPECTED = 'a tag file has one token<whitespace>tag per line and a blank line after each sentence';

const BIO_RE = /^[BI]-./;

/** Reads a CoNLL-style tag file; throws TaskFormatError on the first problem. */
export function readTagged(text: string, file: string): TagData {
  const sentences: TaggedSentence[] = [];
  let current: TaggedSentence = { tokens: [], tags: [], lines: [] };
  let width = 0;
  let firstLine = 0;
  for (const { line, text: raw } of numberedLines(text, file)) {
    const t = raw.trim();
    if (t === '') {
      if (current.tokens.length > 0) sentences.push(current);
      current = { tokens: [], tags: [], lines: [] };
      continue;
    }
    if (isJsonObjectLine(t))
      throw new TaskFormatError(file, line, `the line is JSON but line ${firstLine || line} is token<whitespace>tag: mixed formats in one file`);
    const cols = t.split(/\s+/);
    if (width === 0) {
      if (cols.length < 2) throw new TaskFormatError(file, line, `expected token<whitespace>tag, found one column; ${TAG_EXPECTED}`);
      width = cols.length;
      firstLine = line;
    } else if (cols.length !== width) {
      throw new TaskFormatError(file, line, `expected ${width} whitespace-separated columns as on line ${firstLine}, found ${cols.length}`);
    }
    current.tokens.push(cols[0]);
    current.tags.push(cols[cols.length - 1]);
    current.lines.push(line);
    if (current.tokens.length > MAX_SENTENCE_TOKENS) {
      throw new TaskFormatError(
        file,
        line,
        `no blank line in the ${formatCount(MAX_SENTENCE_TOKENS + 1)} token lines up to here (from line ${current.lines[0]}); ${TAG_EXPECTED}`,
      );
    }
  }
  if (current.tokens.length > 0) sentences.push(current);
  if (sentences.length === 0) throw new TaskFormatError(file, 1, `the file has no tokens; ${TAG_EXPECTED}`);
  const tags = [...new Set(sentences.flatMap((s) => s.tags))];
  if (tags.length > MAX_LABELS) {
    const seen = new Set<string>();
    const at = sentences.flatMap((s) => s.tags.map((tag, i) => ({ tag, line: s.lines[i] }))).find((x) => (seen.add(x.tag), seen.size > MAX_LABELS));
    throw new TaskFormatError(file, at?.line ?? 1, `the tag column has more than ${formatCount(MAX_LABELS)} distinct values by this line; ${TAG_EXPECTED}`);
  }
  const scheme: TagScheme = tags.some((t) => BIO_RE.test(t)) ? 'bio' : 'plain';
  if (scheme === 'bio') for (const s of sentences) checkBio(s, file);
  const tokens = sentences.reduce((n, s) => n + s.tokens.length, 0);
  const description = `this looks like token<whitespace>tag (${scheme === 'bio' ? 'BIO' : 'plain'} tags), ${plural(sentences.length, 'sentence')}, ${plural(tokens, 'token')}, ${plural(tags.length, 'tag')}`;
  return { sentences, tags, scheme, description };
}

function checkBio(s: TaggedSentence, file: string): void {
  let previous = 'O';
  s.tags.forEach((tag, i) => {
    if (tag !== 'O' && !BIO_RE.test(tag)) {
      throw new TaskFormatError(file, s.lines[i], `the tag "${tag}" is not BIO (O, B-type or I-type) though other tags in the file are`);
    }
    if (tag.startsWith('I-')) {
      const type = tag.slice(2);
      if (previous === 'O' || previous.slice(2) !== type) {
        const after = i === 0 ? 'starts a sentence' : `follows ${previous}`;
        throw new TaskFormatError(file, s.lines[i], `${tag} ${after}; in BIO an entity starts with B-${type}`);
      }
    }
    previous = tag;
  });
}
