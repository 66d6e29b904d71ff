// Completion logic without vscode: which model completes (loading, switching, load errors),
// the context window fed to it, and reuse of the last suggestion while the user types through
// it. The engine's Completer caches the recurrent state for a growing prefix underneath.

import type { CompleteOptions } from '../engine/sampler.js';
import { modelExists } from './modelStore.js';
import type { CompletionSettings } from './settings.js';

/** The part of the engine's Completer this service uses. */
export interface CompleterLike {
  complete(text: string, options?: CompleteOptions): string;
  reset(): void;
}

/** Loads a model folder and wraps it in a Completer; rejects with a one-sentence Error. */
export type CompleterLoader = (modelDir: string) => Promise<{ completer: CompleterLike; tokenMode: 'char' | 'word' }>;

/**
 * Start offset of the text fed for a cursor at `offset`. It moves in whole multiples of
 * `contextChars`, so between jumps each request's text extends the previous one and the
 * Completer feeds only the new characters; the model always sees at least `contextChars`
 * characters (when the document has them).
 */
export function windowStart(offset: number, contextChars: number): number {
  return Math.max(0, (Math.floor(offset / contextChars) - 1) * contextChars);
}

export type CompletionState =
  | { kind: 'none' }
  | { kind: 'loading'; modelDir: string }
  | { kind: 'ready'; modelDir: string }
  | { kind: 'error'; modelDir: string; message: string }
  /** The model's folder was deleted while it completed: nothing is served until another is chosen. */
  | { kind: 'gone'; modelDir: string };

export interface CompletionRequest {
  /** Identifies the document (its URI). */
  docKey: string;
  /** Text from windowStart() to the cursor. */
  text: string;
  settings: CompletionSettings;
  isCancelled?: () => boolean;
}

export interface CompletionStats {
  /** Requests answered by the engine. */
  computed: number;
  /** Requests answered from the previous suggestion while the user typed through it. */
  typedThrough: number;
}

export class CompletionService {
  private current: CompletionState = { kind: 'none' };
  private completer: CompleterLike | null = null;
  private tokenMode: 'char' | 'word' = 'char';
  private loadSeq = 0;
  private last: { docKey: string; text: string; suggestion: string } | null = null;
  readonly stats: CompletionStats = { computed: 0, typedThrough: 0 };

  /** Told once when the completing model's folder is found deleted. */
  onGone: ((modelDir: string) => void) | null = null;

  constructor(
    private readonly loader: CompleterLoader,
    private readonly exists: (modelDir: string) => boolean = modelExists,
  ) {}

  /**
   * Whether the model in use (or loading) has just been found deleted; the state becomes `gone`,
   * the Completer is dropped and onGone hears of it, once.
   */
  checkGone(): boolean {
    const s = this.current;
    if ((s.kind !== 'ready' && s.kind !== 'loading') || this.exists(s.modelDir)) return false;
    ++this.loadSeq; // a load in flight must not bring it back
    this.completer = null;
    this.last = null;
    this.current = { kind: 'gone', modelDir: s.modelDir };
    this.onGone?.(s.modelDir);
    return true;
  }

  get state(): CompletionState {
    return this.current;
  }

  /**
   * Switches to `modelDir` (null: none). Resolves when loaded; rejects with the loader's
   * error, after which the state is `error` and no completions are served for that model.
   */
  async setModel(modelDir: string | null): Promise<void> {
    const seq = ++this.loadSeq;
    this.completer = null;
    this.last = null;
    if (modelDir === null) {
      this.current = { kind: 'none' };
      return;
    }
    this.current = { kind: 'loading', modelDir };
    try {
      const loaded = await this.loader(modelDir);
      if (seq !== this.loadSeq) return; // a newer switch won
      this.completer = loaded.completer;
      this.tokenMode = loaded.tokenMode;
      this.current = { kind: 'ready', modelDir };
    } catch (err) {
      if (seq !== this.loadSeq) return;
      const message = err instanceof Error ? err.message : String(err);
      this.current = { kind: 'error', modelDir, message };
      throw err instanceof Error ? err : new Error(message);
    }
  }

  /** A suggestion for the text before the cursor, '' for none, null when no model is ready. */
  complete(req: CompletionRequest): string | null {
    const completer = this.completer;
    if (!completer || this.current.kind !== 'ready') return null;
    // The weights are in memory, but a deleted model must not go on completing (one stat per request).
    if (this.checkGone()) return null;
    const { maxChars, temperature, stopAtNewline, contextChars } = req.settings;
    const prev = this.last;
    if (prev && prev.docKey === req.docKey && req.text.length > prev.text.length && req.text.startsWith(prev.text)) {
      const typed = req.text.slice(prev.text.length);
      if (prev.suggestion.length > typed.length && prev.suggestion.startsWith(typed)) {
        this.stats.typedThrough++;
        const rest = prev.suggestion.slice(typed.length);
        this.last = { docKey: req.docKey, text: req.text, suggestion: rest };
        return rest;
      }
    }
    if (req.isCancelled?.()) return '';
    const raw = completer.complete(req.text, {
      contextChars,
      // A word is several characters: ask for enough words, then cut to maxChars.
      maxTokens: this.tokenMode === 'word' ? Math.max(1, Math.ceil(maxChars / 3)) : maxChars,
      temperature,
      stopAtNewline,
      isCancelled: req.isCancelled,
    });
    this.stats.computed++;
    const suggestion = raw.slice(0, maxChars);
    this.last = { docKey: req.docKey, text: req.text, suggestion };
    return suggestion;
  }

  /** Forget cached text and state (the document changed in a way that is not typing on). */
  reset(): void {
    this.last = null;
    this.completer?.reset();
  }
}
