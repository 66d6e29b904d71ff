// `npm run package`: the VSIX files. linux-x64 carries the prebuilt native addon (N-API over
// OpenBLAS, dist/rnnlab_native.node, loaded before native/build) and is marked for that target;
// the portable VSIX has no native code and runs everywhere on the WASM kernels. Each is made from
// the same production bundle; `--variant linux-x64|portable` makes one of them.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ADDON = 'rnnlab_native.node';

/** What each VSIX holds beyond the bundle, and the target vsce marks it with (none: every platform). */
export const VARIANTS = {
  'linux-x64': { target: 'linux-x64', native: true },
  portable: { target: undefined, native: false },
};

/** The VSIX file of a variant: rnn-lab-0.1.0.vsix, rnn-lab-linux-x64-0.1.0.vsix. */
export function vsixName(variant, manifest) {
  const { target } = VARIANTS[variant];
  return `${manifest.name}-${target ? `${target}-` : ''}${manifest.version}.vsix`;
}

/** Puts the built addon in dist/ for a native variant and takes it out for the portable one. */
export function stageDist(variant, root, addon = join(root, 'native', 'build', 'Release', ADDON)) {
  const spec = VARIANTS[variant];
  if (!spec) throw new Error(`unknown VSIX variant ${variant}: use ${Object.keys(VARIANTS).join(' or ')}`);
  const staged = join(root, 'dist', ADDON);
  rmSync(staged, { force: true });
  if (!spec.native) return;
  if (!existsSync(addon))
    throw new Error(`the ${variant} VSIX needs the native addon, and ${addon} is not built: run npm run build:native (needs g++ and libopenblas-dev)`);
  copyFileSync(addon, staged);
}

/** The files vsce would pack for a variant, after staging dist/ for it. */
export async function packagedFiles(variant, root, addon) {
  const { listFiles, PackageManager } = await import('@vscode/vsce');
  stageDist(variant, root, addon);
  return listFiles({ cwd: root, packageManager: PackageManager.None });
}

async function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const at = process.argv.indexOf('--variant');
  const variants = at > 0 ? [process.argv[at + 1]] : Object.keys(VARIANTS);
  for (const v of variants) if (!VARIANTS[v]) throw new Error(`unknown VSIX variant ${v}: use ${Object.keys(VARIANTS).join(' or ')}`);
  const build = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the production build failed');
  const { createVSIX } = await import('@vscode/vsce');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  try {
    for (const variant of variants) {
      stageDist(variant, root);
      const packagePath = join(root, vsixName(variant, manifest));
      await createVSIX({ cwd: root, packagePath, target: VARIANTS[variant].target, dependencies: false, rewriteRelativeLinks: false });
      process.stderr.write(`rnnlab: ${variant} VSIX: ${packagePath}\n`);
    }
  } finally {
    // A copy left in dist/ would shadow a later build of native/ (the loader looks in dist/ first).
    rmSync(join(root, 'dist', ADDON), { force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    process.stderr.write(`rnnlab package: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
