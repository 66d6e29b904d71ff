// Browser-test harness for the panels: builds the webview bundles, serves each panel's real
// HTML (same CSP) from 127.0.0.1, and drives Debian Chromium with a fake VS Code API that
// records posted messages and lets a test push host messages.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import * as esbuild from 'esbuild';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderPanelHtml, newNonce, type PanelName } from '../../src/extension/panels/webviewHtml.js';
import type { GateName } from '../../src/engine/config.js';
import { quantiseTrace } from '../../src/engine/inspect.js';
import type { InspectResult, QuantisedInspectResult } from '../../src/engine/types.js';
import { toWireInspectResult } from '../../src/extension/panels/inspectResultWire.js';
import { dequantise } from '../../src/protocol/inspectWire.js';
import { InspectorResult, type InspectorResultMessage, type ModelRef } from '../../src/protocol/webview.js';

export const ROOT = resolve(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'webview');
export type Theme = 'light' | 'dark' | 'high-contrast';

/**
 * Builds the three browser bundles with the options esbuild.mjs uses for webviews, into a
 * fresh folder of this process (test files run in parallel; a shared dist/ could be half
 * written by another one). Returns the folder.
 */
export async function buildWebviews(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'rnnlab-webview-'));
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { dashboard: 'webview/dashboard/main.ts', inspector: 'webview/inspector/main.ts', gradients: 'webview/gradients/main.ts' },
    outdir,
    bundle: true,
    sourcemap: true,
    logLevel: 'warning',
    legalComments: 'none',
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    loader: { '.css': 'text' },
  });
  copyFileSync(join(ROOT, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), join(outdir, 'uPlot.min.css'));
  return outdir;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.html': 'text/html' };

/** VS Code's theme variables (a subset) per theme, as the workbench injects them. */
const THEMES: Record<Theme, { bodyClass: string; vars: Record<string, string> }> = {
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-foreground': '#3b3b3b', '--vscode-editor-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff',
      '--vscode-descriptionForeground': '#717171', '--vscode-focusBorder': '#005fb8', '--vscode-errorForeground': '#e51400',
      '--vscode-panel-border': '#e5e5e5', '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace', '--vscode-editorHoverWidget-background': '#f8f8f8',
      '--vscode-editorHoverWidget-border': '#c8c8c8', '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#0258a8', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-button-secondaryHoverBackground': '#cccccc', '--vscode-checkbox-background': '#f8f8f8', '--vscode-checkbox-border': '#cecece',
      '--vscode-checkbox-foreground': '#3b3b3b', '--vscode-settings-checkboxBackground': '#f8f8f8', '--vscode-settings-checkboxBorder': '#cecece',
      '--vscode-settings-checkboxForeground': '#3b3b3b', '--vscode-settings-dropdownBackground': '#ffffff', '--vscode-settings-dropdownBorder': '#cecece',
      '--vscode-settings-dropdownForeground': '#3b3b3b', '--vscode-settings-dropdownListBorder': '#c8c8c8', '--vscode-settings-textInputBackground': '#ffffff',
      '--vscode-settings-textInputBorder': '#cecece', '--vscode-settings-textInputForeground': '#3b3b3b', '--vscode-input-placeholderForeground': '#767676',
      '--vscode-list-activeSelectionBackground': '#e8e8e8', '--vscode-list-activeSelectionForeground': '#000000', '--vscode-list-hoverBackground': '#f2f2f2',
      '--vscode-progressBar-background': '#005fb8', '--vscode-textLink-foreground': '#005fb8', '--vscode-textLink-activeForeground': '#005fb8', '--vscode-widget-shadow': 'rgba(0,0,0,0.16)', '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b',
    },
  },
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-foreground': '#cccccc', '--vscode-editor-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f',
      '--vscode-descriptionForeground': '#9d9d9d', '--vscode-focusBorder': '#0078d4', '--vscode-errorForeground': '#f85149',
      '--vscode-panel-border': '#2b2b2b', '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace', '--vscode-editorHoverWidget-background': '#202020',
      '--vscode-editorHoverWidget-border': '#454545', '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#026ec1', '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-button-secondaryHoverBackground': '#3c3c3c', '--vscode-checkbox-background': '#313131', '--vscode-checkbox-border': '#3c3c3c',
      '--vscode-checkbox-foreground': '#cccccc', '--vscode-settings-checkboxBackground': '#313131', '--vscode-settings-checkboxBorder': '#3c3c3c',
      '--vscode-settings-checkboxForeground': '#cccccc', '--vscode-settings-dropdownBackground': '#313131', '--vscode-settings-dropdownBorder': '#3c3c3c',
      '--vscode-settings-dropdownForeground': '#cccccc', '--vscode-settings-dropdownListBorder': '#454545', '--vscode-settings-textInputBackground': '#313131',
      '--vscode-settings-textInputBorder': '#3c3c3c', '--vscode-settings-textInputForeground': '#cccccc', '--vscode-input-placeholderForeground': '#989898',
      '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-list-hoverBackground': '#2a2d2e',
      '--vscode-progressBar-background': '#0078d4', '--vscode-textLink-foreground': '#4daafc', '--vscode-textLink-activeForeground': '#4daafc', '--vscode-widget-shadow': 'rgba(0,0,0,0.36)', '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-foreground': '#ffffff', '--vscode-editor-foreground': '#ffffff', '--vscode-editor-background': '#000000',
      '--vscode-descriptionForeground': '#ffffff', '--vscode-focusBorder': '#f38518', '--vscode-errorForeground': '#f48771',
      '--vscode-panel-border': '#6fc3df', '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace', '--vscode-editorHoverWidget-background': '#0c141f',
      '--vscode-editorHoverWidget-border': '#6fc3df',
    },
  },
};

export interface PanelServer {
  origin: string;
  url(panel: PanelName, theme?: Theme): string;
  close(): Promise<void>;
}

/**
 * Serves /panel/NAME?theme=…, /dist/webview/* (from `bundleDir`), /media/* and /theme/*.css on
 * a free port of 127.0.0.1.
 */
export async function startServer(bundleDir: string): Promise<PanelServer> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    const panel = /^\/panel\/(dashboard|inspector|gradients)$/.exec(url.pathname);
    if (panel) {
      const name = panel[1] as PanelName;
      const theme = (url.searchParams.get('theme') ?? 'dark') as Theme;
      const html = renderPanelHtml({
        title: name,
        cspSource: origin,
        nonce: newNonce(),
        scriptUri: `${origin}/dist/webview/${name}.js`,
        styleUris: [`${origin}/dist/webview/uPlot.min.css`, `${origin}/media/webview.css`, `${origin}/theme/${theme}.css`],
        // As the extension serves the dashboard: its heading and a loading line before the script runs.
        loading: name === 'dashboard' ? { heading: 'Training dashboard', message: 'Loading the dashboard…' } : undefined,
      }).replace('<body>', `<body class="${THEMES[theme].bodyClass}">`);
      return send(200, 'text/html', html);
    }
    const themeCss = /^\/theme\/(light|dark|high-contrast)\.css$/.exec(url.pathname);
    if (themeCss) {
      const vars = THEMES[themeCss[1] as Theme].vars;
      return send(200, 'text/css', `:root{${Object.entries(vars).map(([k, v]) => `${k}:${v}`).join(';')}}`);
    }
    // Only what localResourceRoots allows in VS Code: the webview bundles and media.
    const path = decodeURIComponent(url.pathname);
    const file = path.startsWith('/dist/webview/') ? normalize(join(bundleDir, path.slice('/dist/webview/'.length))) : normalize(join(ROOT, path));
    const allowed = [bundleDir + sep, join(ROOT, 'media') + sep];
    if (!allowed.some((dir) => file.startsWith(dir)) || !existsSync(file)) return send(404, 'text/plain', 'not found');
    return send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (panel, theme = 'dark') => `${origin}/panel/${panel}?theme=${theme}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }).then(() => rmSync(bundleDir, { recursive: true, force: true })),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface PanelPage {
  page: Page;
  /** Console errors and warnings, page errors and CSP violations seen so far. */
  problems: string[];
  /** Messages the panel posted to the (fake) host. */
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  push(message: unknown): Promise<void>;
  state(): Promise<unknown>;
  /** Polls `predicate(arg)` in the page until truthy or the deadline passes. */
  waitFor<A>(predicate: (arg: A) => unknown, arg?: A, timeoutMs?: number): Promise<void>;
}

/**
 * The `acquireVsCodeApi` stand-in, as script text (a function would be serialised with the
 * test runner's transpiler helpers). `__name` is defined because tsx's keepNames wraps
 * functions passed to `page.evaluate` with it.
 */
function fakeVsCodeApi(initialState: unknown): string {
  return `(() => {
    window.__name = (f) => f;
    window.__posted = [];
    window.__csp = [];
    window.__state = ${JSON.stringify(initialState)};
    let acquired = false;
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    window.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => window.__state,
        setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
      };
    };
  })();`;
}

/**
 * Opens a panel page with the fake VS Code API; `initialState` stands for what
 * `vscode.getState()` returns after a reload.
 */
export async function openPanel(browser: Browser, server: PanelServer, panel: PanelName, o: { theme?: Theme; initialState?: unknown; width?: number } = {}): Promise<PanelPage> {
  const page = await browser.newPage({ viewport: { width: o.width ?? 1100, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    // The tests' own pixel readbacks (canvasStats) trigger Chromium's getImageData hint.
    if (m.text().includes('willReadFrequently')) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.addInitScript(fakeVsCodeApi(o.initialState ?? null));
  await page.goto(server.url(panel, o.theme));
  const pp: PanelPage = {
    page,
    problems,
    posted: () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted),
    // Sent as JSON text, as VS Code does (NaN arrives as null); also much faster through CDP
    // than Playwright's value serialiser for large nested arrays.
    push: (message) => page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(message)),
    state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
    async waitFor(predicate, arg, timeoutMs = 10_000) {
      await page.waitForFunction(predicate as (a: unknown) => unknown, arg as unknown, { timeout: timeoutMs, polling: 50 });
    },
  };
  return pp;
}

/** CSP violations recorded by the page's listener, plus console/page errors. */
export async function allProblems(p: PanelPage): Promise<string[]> {
  const csp = await p.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  return [...p.problems, ...csp.map((c) => `CSP violation: ${c}`)];
}

export async function screenshot(p: PanelPage, name: string, fullPage = false): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await p.page.screenshot({ path: file, fullPage });
  return file;
}

/**
 * Statistics of a canvas region's pixels: how many differ from the first pixel (blank canvases
 * have none), and a hash to tell whether content changed between two draws.
 */
export async function canvasStats(page: Page, selector: string, index = 0): Promise<{ width: number; height: number; nonBackground: number; distinctColors: number; hash: number }> {
  return page.evaluate(
    ({ selector, index }) => {
      const c = document.querySelectorAll<HTMLCanvasElement>(selector)[index];
      if (!c || c.width === 0 || c.height === 0) return { width: 0, height: 0, nonBackground: 0, distinctColors: 0, hash: 0 };
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let non = 0;
      let hash = 2166136261;
      const colors = new Set<number>();
      const [r0, g0, b0, a0] = [d[0], d[1], d[2], d[3]];
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] !== r0 || d[i + 1] !== g0 || d[i + 2] !== b0 || d[i + 3] !== a0) non++;
        const key = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
        if (colors.size < 5000) colors.add(key);
        hash = Math.imul(hash ^ key ^ d[i + 3]!, 16777619) >>> 0;
      }
      return { width: c.width, height: c.height, nonBackground: non, distinctColors: colors.size, hash };
    },
    { selector, index },
  );
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as T;
}

/** Polls a node-side condition until true or the deadline passes (no fixed sleeps). */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

/**
 * Starts the panel server and Chromium before the calling file's tests and stops them after;
 * returns `openPanel` bound to them.
 */
export function usePanels(): (panel: PanelName, o?: Parameters<typeof openPanel>[3]) => Promise<PanelPage> {
  let server: PanelServer | undefined;
  let browser: Browser | undefined;
  before(async () => {
    server = await startServer(await buildWebviews());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return (panel, o) => {
    if (!browser || !server) throw new Error('usePanels: the browser is not started (call it at the top of a test file)');
    return openPanel(browser, server, panel, o);
  };
}

/** A recorded inspection: the reference result of src/engine/inspect.ts's inspect(). */
export interface RecordedInspection { type: 'inspector/result'; model: ModelRef; text: string; result: InspectResult; inspectMs: number }

/**
 * A recorded inspection as the host posts it (quantised and packed by the real code) and the
 * values the panel shows after decoding it.
 */
export function loadInspection(cell: 'lstm' | 'gru' | 'rnn' | 'classify' | 'tag' | 'seq2seq'): { message: InspectorResultMessage; shown: InspectResult } {
  const recorded = loadFixture<RecordedInspection>(`inspect-${cell}.json`);
  const quantised: QuantisedInspectResult = {
    ...recorded.result,
    layers: recorded.result.layers.map((l) => ({
      ...l,
      gates: Object.fromEntries(Object.entries(l.gates).map(([g, rows]) => [g, quantiseTrace(rows, g as GateName)])),
    })),
  };
  return { message: { ...recorded, result: toWireInspectResult(quantised) }, shown: dequantise(quantised) };
}

/** Opens the gate inspector, offers `models`, shows a recorded result (it must pass the protocol guard) and waits for its heatmaps. */
export async function showInspection(
  open: ReturnType<typeof usePanels>,
  models: ModelRef[],
  result: InspectorResultMessage,
  o: { theme?: Theme; initialState?: unknown } = {},
): Promise<PanelPage> {
  const p = await open('inspector', { theme: o.theme ?? 'dark', initialState: o.initialState });
  await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  await p.push({ type: 'inspector/models', models, selected: result.model.dir });
  assert.ok(InspectorResult.is(result), 'the recorded result passes the protocol guard');
  await p.push(result);
  await p.waitFor(() => document.getElementById('gates')?.dataset.renderMs !== undefined);
  return p;
}
