// Proves the e2e harness itself against a probe extension generated here: it activates in
// code-server, its commands run from the palette, and its message, status bar item, tree
// view, quick inputs and webview are all visible to the harness helpers.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VsCodeSession, waitFor } from './harness';

const PROBE_MANIFEST = {
  name: 'probe',
  publisher: 'rnnlabtest',
  version: '0.0.1',
  engines: { vscode: '^1.90.0' },
  main: './extension.js',
  activationEvents: [],
  contributes: {
    commands: [
      { command: 'probe.hello', title: 'Say Hello', category: 'Probe' },
      { command: 'probe.ask', title: 'Ask Questions', category: 'Probe' },
      { command: 'probe.panel', title: 'Open Panel', category: 'Probe' },
    ],
    viewsContainers: { activitybar: [{ id: 'probeExplorer', title: 'Probe', icon: '$(beaker)' }] },
    views: { probeExplorer: [{ id: 'probe.items', name: 'Probe Items' }] },
  },
};

// Plain CommonJS, as an extension's bundle would be; the nonce proves this very build ran.
const probeSource = (nonce: string): string => `
const vscode = require('vscode');
exports.activate = (context) => {
  const item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 1000);
  item.text = 'Probe ready';
  item.show();
  context.subscriptions.push(item);
  context.subscriptions.push(vscode.commands.registerCommand('probe.hello', () => {
    vscode.window.showInformationMessage('Probe says hello ${nonce} from Node ' + process.versions.node);
  }));
  context.subscriptions.push(vscode.commands.registerCommand('probe.ask', async () => {
    const colour = await vscode.window.showQuickPick(['Red', 'Green', 'Blue'], { title: 'Pick a colour' });
    const name = await vscode.window.showInputBox({ title: 'Name the thing', value: 'default name' });
    vscode.window.showInformationMessage('Picked ' + colour + ' named ' + name);
  }));
  context.subscriptions.push(vscode.commands.registerCommand('probe.panel', () => {
    const panel = vscode.window.createWebviewPanel('probe.panel', 'Probe Panel', vscode.ViewColumn.One, {});
    panel.webview.html = '<!DOCTYPE html><html><body><h1 id="probe-heading">Probe panel ${nonce}</h1></body></html>';
  }));
  const rows = [['alpha', 'first'], ['beta', 'second'], ['gamma', 'third']];
  context.subscriptions.push(vscode.window.registerTreeDataProvider('probe.items', {
    getChildren: () => rows,
    getTreeItem: ([label, description]) => Object.assign(new vscode.TreeItem(label), { description }),
  }));
};
exports.deactivate = () => {};
`;

describe('e2e harness on a probe extension', () => {
  const nonce = Math.random().toString(36).slice(2, 10);
  let root = '';
  let session: VsCodeSession;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'rnnlab-probe-'));
    const probe = join(root, 'probe');
    const workspace = join(root, 'workspace');
    mkdirSync(probe);
    mkdirSync(workspace);
    writeFileSync(join(probe, 'package.json'), JSON.stringify(PROBE_MANIFEST, null, 2));
    writeFileSync(join(probe, 'extension.js'), probeSource(nonce));
    writeFileSync(join(workspace, 'notes.txt'), 'probe workspace\n');
    const started = Date.now();
    session = await VsCodeSession.start({ name: 'harness', workspace, extensions: [probe] });
    console.log(`# harness: workbench ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await session?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('the probe command runs from the palette and its message shows', async () => {
    await session.runCommand('Probe: Say Hello', { timeout: 60_000 });
    const message = await session.waitForNotification(new RegExp(`Probe says hello ${nonce}`));
    // The extension host runs on code-server's Node 24, not on the test's Node.
    assert.match(message, /from Node 24\./);
    await session.screenshot('probe-message');
  });

  test('the activated probe shows its status bar item', async () => {
    const items = await waitFor(async () => {
      const all = await session.statusBarItems();
      return all.some((text) => text.includes('Probe ready')) ? all : null;
    }, { timeout: 10_000, what: 'the probe status bar item' });
    assert.ok(items.length > 1, 'the workbench has its own status bar items too');
  });

  test('quick pick and input box answers reach the extension', async () => {
    await session.clearNotifications();
    await session.runCommand('Probe: Ask Questions');
    await session.pickQuickItem(/Pick a colour/, 'Green');
    await session.typeQuickInput(/Name the thing/, 'a typed name');
    await session.waitForNotification(/Picked Green named a typed name/);
  });

  test('tree view rows are readable', async () => {
    await session.openView('Probe Items');
    const rows = await waitFor(async () => {
      const found = await session.treeRows('Probe Items');
      return found.length === 3 ? found : null;
    }, { timeout: 15_000, what: 'three rows in Probe Items' });
    assert.deepEqual(rows.map((row) => [row.label, row.description]), [['alpha', 'first'], ['beta', 'second'], ['gamma', 'third']]);
    await session.screenshot('probe-tree');
  });

  test('a webview panel is found through page.frames()', async () => {
    await session.runCommand('Probe: Open Panel');
    const frame = await session.webviewFrame('#probe-heading');
    assert.equal(await frame.textContent('#probe-heading'), `Probe panel ${nonce}`);
    await session.screenshot('probe-webview');
  });
});
