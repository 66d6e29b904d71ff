// The Models view: a thin vscode adapter over modelTree.ts descriptors, refreshed when the
// models folder changes on disk (file watcher) and while a model trains.

import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { modelNode } from './modelTree.js';
import type { LiveTraining, ModelEntry, TreeNode } from './modelTree.js';
import { listModels } from './modelStore.js';

export class ModelExplorer implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private watcher: vscode.FileSystemWatcher | undefined;
  private watchedDir = '';
  /** A watcher set up before the folder existed may never fire: it is renewed once it exists. */
  private watchedExisting = false;
  private timer: NodeJS.Timeout | undefined;
  private entries: ModelEntry[] | null = null;
  private readonly live = new Map<string, LiveTraining>();

  constructor(private readonly modelsDir: () => string, private readonly log: (line: string) => void = () => undefined) {}

  /** Current models (read from disk on first use after each change). */
  list(): ModelEntry[] {
    this.entries ??= listModels(this.modelsDir());
    return this.entries;
  }

  /** The next list() reads the folder again (at once, where refresh() waits to redraw). */
  invalidate(): void {
    this.entries = null;
  }

  /** Re-reads the folder; debounced so a checkpoint save (several files) refreshes once. */
  refresh(delayMs = 150): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.watchedExisting && this.watcher) this.watch();
      this.entries = null;
      this.changed.fire(undefined);
    }, delayMs);
  }

  /** (Re)starts watching the models folder, e.g. after rnnLab.modelsDirectory changed. */
  watch(): void {
    const dir = this.modelsDir();
    const exists = existsSync(dir);
    if (dir === this.watchedDir && this.watcher && (this.watchedExisting || !exists)) return;
    this.watcher?.dispose();
    this.watchedDir = dir;
    this.watchedExisting = exists;
    // Any change below the folder: a deleted model folder is reported as the folder alone,
    // not as its model.json, so watching only model.json would miss it.
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '**'));
    w.onDidCreate(() => this.refresh());
    w.onDidChange(() => this.refresh());
    w.onDidDelete(() => this.refresh());
    this.watcher = w;
    this.log(`Watching ${dir}${exists ? '' : ' (not created yet)'}`);
    this.refresh(0);
  }

  setLive(modelDir: string, live: LiveTraining | null): void {
    if (live) this.live.set(modelDir, live);
    else this.live.delete(modelDir);
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const state = node.children.length === 0
      ? vscode.TreeItemCollapsibleState.None
      : node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    if (node.tooltip) {
      const md = new vscode.MarkdownString(node.tooltip);
      md.supportThemeIcons = true;
      item.tooltip = md;
    }
    item.contextValue = node.contextValue;
    item.iconPath = new vscode.ThemeIcon(node.icon);
    if (node.contextValue === 'model' || node.contextValue === 'modelTraining' || node.contextValue === 'modelBroken') {
      item.resourceUri = vscode.Uri.file(node.modelDir);
    }
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (node) return node.children;
    const shown = new Set<string>();
    const nodes = this.list().map((e) => {
      const dir = e.kind === 'ok' ? e.summary.dir : e.dir;
      shown.add(dir);
      const live = this.live.get(dir);
      return modelNode(e.kind === 'ok' && live ? { ...e, training: live } : e);
    });
    // A run that has not saved its first checkpoint yet still gets a row.
    for (const [dir, live] of this.live) {
      if (shown.has(dir)) continue;
      nodes.push({
        id: `model:${dir}`,
        label: dir.split(/[\\/]/).pop() ?? dir,
        description: `${live.paused ? 'paused' : 'training…'} step ${live.step} · not saved yet`,
        contextValue: 'modelTraining',
        icon: 'loading~spin',
        children: [],
        modelDir: dir,
      });
    }
    return nodes;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher?.dispose();
    this.changed.dispose();
  }
}
