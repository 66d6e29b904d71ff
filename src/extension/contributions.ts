// Pure facts the manifest (package.json contributes) and the code must agree on (no vscode
// import): the editor-menu aliases and the context key of the walkthrough's first step.

/**
 * The editor context menu shows titles without their category, so its entries are aliases
 * titled "RNN Lab: …" (hidden from the palette) of these commands.
 */
export const EDITOR_MENU_COMMANDS = ['rnnLab.inspectSelection', 'rnnLab.transduceSelection', 'rnnLab.showSurprisal', 'rnnLab.clearSurprisal', 'rnnLab.tagSelection', 'rnnLab.classifySelection'] as const;

/** "rnnLab.inspectSelection" → "rnnLab.editor.inspectSelection". */
export function editorMenuAlias(command: string): string {
  return command.replace(/^rnnLab\./, 'rnnLab.editor.');
}

/** True while the active editor holds a file from disk; the walkthrough's first step waits for it. */
export const TEXT_FILE_CONTEXT = 'rnnLab.textFileOpen';

/** Whether a document of this URI scheme is a file the user opened (not Welcome, output or settings UI). */
export function isTextFile(scheme: string | undefined): boolean {
  return scheme === 'file' || scheme === 'vscode-remote';
}
