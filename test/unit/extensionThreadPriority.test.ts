// The training thread yields to the editor: lowerThreadPriority() changes the nice value of the
// calling thread only, read back from the kernel's own /proc/<pid>/task/<tid>/stat.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';

import type { lowerThreadPriority} from '../../src/extension/threadPriority.js';
import { currentThreadId, TRAINING_NICE_OFFSET } from '../../src/extension/threadPriority.js';

/** Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value. */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[19 - 3]);
}

// Worker threads do not get tsx's loader: they load the module bundled to plain JavaScript.
const work = mkdtempSync(join(tmpdir(), 'rnnlab-priority-'));
const modulePath = join(work, 'threadPriority.cjs');
after(() => rmSync(work, { recursive: true, force: true }));
before(async () => {
  await esbuild.build({ entryPoints: [join(__dirname, '..', '..', 'src', 'extension', 'threadPriority.ts')], outfile: modulePath, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
});
const linux = existsSync('/proc/thread-self');
if (!linux) console.log('# thread priority tests did not run: this platform has no /proc/thread-self');

test('a worker thread lowers its own priority and leaves the main thread alone', { skip: !linux }, async () => {
  const mainTid = currentThreadId();
  assert.equal(mainTid, process.pid, 'the main thread id is the process id');
  const mainNice = niceOf(mainTid!);
  const source = `
    const { parentPort } = require('node:worker_threads');
    Promise.resolve(require(${JSON.stringify(modulePath)})).then(({ lowerThreadPriority }) => {
      parentPort.postMessage(lowerThreadPriority());
      setTimeout(() => {}, 200);
    });
  `;
  const worker = new Worker(source, { eval: true });
  const outcome = await new Promise<ReturnType<typeof lowerThreadPriority>>((done, fail) => {
    worker.once('message', done);
    worker.once('error', fail);
  });
  assert.ok(outcome.ok, JSON.stringify(outcome));
  assert.notEqual(outcome.tid, mainTid);
  assert.equal(niceOf(outcome.tid), Math.min(19, mainNice + TRAINING_NICE_OFFSET));
  assert.equal(outcome.nice, niceOf(outcome.tid));
  assert.equal(niceOf(mainTid!), mainNice, 'the main thread keeps its priority');
  await worker.terminate();
});

test('the priority goes no lower than 19, and a negative step does not raise it', { skip: !linux }, async () => {
  const source = `
    const { parentPort } = require('node:worker_threads');
    Promise.resolve(require(${JSON.stringify(modulePath)})).then(({ lowerThreadPriority }) => {
      const first = lowerThreadPriority(40);
      parentPort.postMessage([first, lowerThreadPriority(-5)]);
    });
  `;
  const worker = new Worker(source, { eval: true });
  const [first, second] = await new Promise<ReturnType<typeof lowerThreadPriority>[]>((done, fail) => {
    worker.once('message', done);
    worker.once('error', fail);
  });
  assert.ok(first?.ok && second?.ok);
  assert.equal(first.nice, 19);
  assert.equal(second.nice, 19, 'a negative step keeps nice 19');
  await worker.terminate();
});
