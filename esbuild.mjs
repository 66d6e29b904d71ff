// Bundles the node entry points (extension, trainer worker, CLI) and the browser webviews,
// and copies the tfjs WASM binaries next to the node bundles so the engine finds them.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
mkdirSync('dist/webview', { recursive: true });

const nodeEntries = {
  cli: 'src/cli/rnnlab.ts',
  extension: 'src/extension/extension.ts',
  trainerWorker: 'src/extension/trainerWorker.ts',
  // A data-parallel training worker (src/training/dataParallel.ts), started by the trainer.
  parallelWorker: 'src/training/parallelWorker.ts',
  // The benchmark, with its devDependency tfjs-layers: run by `rnnlab bench` when present, never shipped.
  bench: 'bench/benchCommand.ts',
};
const webviewEntries = {
  dashboard: 'webview/dashboard/main.ts',
  inspector: 'webview/inspector/main.ts',
  gradients: 'webview/gradients/main.ts',
};
const present = (entries) =>
  Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const nodeBuild = {
  ...common,
  entryPoints: present(nodeEntries),
  outdir: 'dist',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // vscode is provided by the host; tfjs-node is optional and native, loaded only if installed.
  external: ['vscode', '@tensorflow/tfjs-node'],
  banner: { js: '' },
};
const webBuild = {
  ...common,
  entryPoints: present(webviewEntries),
  outdir: 'dist/webview',
  platform: 'browser',
  format: 'iife',
  target: 'chrome120',
  loader: { '.css': 'text' },
};

for (const file of readdirSync('node_modules/@tensorflow/tfjs-backend-wasm/dist')) {
  if (file.endsWith('.wasm')) copyFileSync(join('node_modules/@tensorflow/tfjs-backend-wasm/dist', file), join('dist', file));
}
if (existsSync('node_modules/uplot/dist/uPlot.min.css')) {
  copyFileSync('node_modules/uplot/dist/uPlot.min.css', 'dist/webview/uPlot.min.css');
}

if (watch) {
  const contexts = await Promise.all([esbuild.context(nodeBuild), esbuild.context(webBuild)]);
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all([esbuild.build(nodeBuild), esbuild.build(webBuild)]);
}
