// The HTML shell of every panel: a strict Content-Security-Policy (nothing by default,
// scripts only by nonce, styles/fonts/images only from the webview's own resource origin).

import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

export type PanelName = 'dashboard' | 'inspector' | 'gradients';

export interface PanelPage {
  title: string;
  /** `webview.cspSource`: the origin allowed for styles, fonts and images. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUris: string[];
  /** Shown by the HTML itself until the script has built the panel (it replaces #app's content). */
  loading?: { heading: string; message: string };
}

export const newNonce = (): string => randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The page; pure so the browser tests serve exactly what VS Code shows. */
export function renderPanelHtml(page: PanelPage): string {
  const styles = page.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeAttr(u)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(page.cspSource, page.nonce)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
  <title>${escapeAttr(page.title)}</title>
</head>
<body>
  <div id="app">${page.loading ? `<h1 id="title">${escapeAttr(page.loading.heading)}</h1><p id="loading" class="muted" role="status">${escapeAttr(page.loading.message)}</p>` : ''}</div>
  <script nonce="${page.nonce}" src="${escapeAttr(page.scriptUri)}"></script>
</body>
</html>`;
}

/** Folders a panel may load from: the webview bundles and media, nothing else. */
export function localResourceRoots(extensionUri: vscode.Uri, uri: typeof vscode.Uri): vscode.Uri[] {
  return [uri.joinPath(extensionUri, 'dist', 'webview'), uri.joinPath(extensionUri, 'media')];
}

/** Sets options and HTML of a panel's webview for bundle `name`. */
export function setPanelHtml(
  webview: vscode.Webview, extensionUri: vscode.Uri, uri: typeof vscode.Uri, name: PanelName, title: string, loading?: PanelPage['loading'],
): void {
  webview.options = { enableScripts: true, localResourceRoots: localResourceRoots(extensionUri, uri) };
  const asUri = (...parts: string[]) => webview.asWebviewUri(uri.joinPath(extensionUri, ...parts)).toString();
  webview.html = renderPanelHtml({
    title,
    cspSource: webview.cspSource,
    nonce: newNonce(),
    scriptUri: asUri('dist', 'webview', `${name}.js`),
    styleUris: [asUri('dist', 'webview', 'uPlot.min.css'), asUri('media', 'webview.css')],
    loading,
  });
}
