// What `npm test` runs after the build: makes sure the e2e prerequisites exist (or stops with
// one line), then runs unit, webview and e2e tests in ONE node test-runner invocation.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureE2E } from './e2e-setup.mjs';

const SUITES = ['unit', 'webview', 'e2e'];
const requested = (process.env.RNNLAB_TEST_SUITES ?? SUITES.join(','))
  .split(',')
  .map((suite) => suite.trim())
  .filter(Boolean);
const unknown = requested.filter((suite) => !SUITES.includes(suite));
if (unknown.length > 0) {
  process.stderr.write(`test: RNNLAB_TEST_SUITES names unknown suite(s) ${unknown.join(', ')}; use any of ${SUITES.join(',')}.\n`);
  process.exit(2);
}

// Never skipped silently: without its prerequisites e2e-setup exits with one line saying what is missing.
if (requested.includes('e2e')) ensureE2E();

const files = [];
for (const suite of SUITES.filter((name) => requested.includes(name))) {
  const dir = join('test', suite);
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith('.test.ts')) files.push(join(dir, file));
  }
}
if (files.length === 0) {
  process.stderr.write(`test: no test files in test/{${requested.join(',')}}.\n`);
  process.exit(1);
}

const args = ['--import', 'tsx', '--test', '--test-reporter=tap'];
// Each e2e file runs a code-server and a browser and measures responsiveness; running them next
// to each other (or next to CPU-heavy unit tests) on a 2-core machine would distort both.
if (requested.includes('e2e')) args.push('--test-concurrency=1');
const child = spawn(process.execPath, [...args, ...files], { stdio: 'inherit' });
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
// Nothing is printed after the runner: its summary (# pass, # fail, # duration_ms) ends the output.
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
