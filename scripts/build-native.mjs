// Builds the optional native addon (native/, N-API over OpenBLAS) with node-gyp when a C++
// compiler, OpenBLAS (libopenblas-dev) and Node's headers are here; otherwise says why in one
// line and succeeds, and the engine runs its portable kernels. Run by `npm install` / `npm ci`
// and by `npm run build:native`; `--strict` (CI) fails instead of skipping.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const native = join(root, 'native');
const output = join(native, 'build', 'Release', 'rnnlab_native.node');
const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');
const require = createRequire(join(root, 'package.json'));

function skip(reason) {
  process.stderr.write(`rnnlab: native kernels not built (${reason}); the portable kernels will run\n`);
  process.exit(strict ? 1 : 0);
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a dependency of the project: npm's own copy above is the usual one
  }
  return candidates.find((p) => p && existsSync(p)) ?? null;
}

if (process.env.RNNLAB_NATIVE === '0') skip('RNNLAB_NATIVE=0');
const newest = (dir) =>
  Math.max(
    ...readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(dir, e.name)).mtimeMs),
  );
if (!force && existsSync(output) && statSync(output).mtimeMs > Math.max(newest(native), newest(join(native, 'src')))) {
  process.stderr.write('rnnlab: native kernels up to date\n');
  process.exit(0);
}
const cxx = process.env.CXX ?? 'c++';
if (spawnSync(cxx, ['--version'], { encoding: 'utf8' }).status !== 0) skip(`no C++ compiler (${cxx}): apt-get install g++`);
const lib = spawnSync(cxx, ['-print-file-name=libopenblas.so'], { encoding: 'utf8' }).stdout.trim();
const header = ['/usr/include/cblas.h', '/usr/include/x86_64-linux-gnu/cblas.h', '/usr/include/openblas/cblas.h'].some((p) => existsSync(p));
if (!lib.startsWith('/') || !header) skip('no OpenBLAS development files: apt-get install libopenblas-dev');
try {
  require.resolve('node-addon-api');
} catch {
  skip('node-addon-api is not installed: npm install');
}
const gyp = findNodeGyp();
if (!gyp) skip('node-gyp not found (it comes with npm)');
// Node's own headers when they sit beside the binary (Debian, nvm, the official tarballs): no download.
const prefix = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
const started = Date.now();
const build = spawnSync(process.execPath, [gyp, 'rebuild', ...nodedir], { cwd: native, encoding: 'utf8', env: { ...process.env, JOBS: '1' } });
if (build.status !== 0 || !existsSync(output)) {
  const errors = `${build.stdout}\n${build.stderr}`.split('\n').filter((l) => /error/i.test(l));
  skip(`node-gyp failed: ${errors[0]?.trim() ?? `exit ${build.status}`}`);
}
process.stderr.write(`rnnlab: native kernels built in ${((Date.now() - started) / 1000).toFixed(0)} s (${output})\n`);
