// One writer per model folder: a lock file holding the writer's pid and start time, created
// atomically (written in full under a private name, then hard-linked into place, which fails
// when a lock exists). A lock left by a process that is gone is taken over; a live one refuses.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'train.lock';

/** What the lock file says about the process writing the folder. */
export interface LockHolder {
  pid: number;
  /** When the lock was taken (ISO time). */
  startedAt: string;
  /** The kernel's start time of the process (Linux), so a reused pid is not mistaken for the holder. */
  processStart: string | null;
  host: string;
  /** Tells this lock from another one of the same process. */
  token: string;
}

/** Another live process holds the folder's lock; the message is one sentence naming it. */
export class ModelLockedError extends Error {
  override name = 'ModelLockedError';
  constructor(
    message: string,
    readonly holder: LockHolder,
  ) {
    super(message);
  }
}

export interface ModelLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still ours; safe to call more than once. */
  release(): void;
}

export interface LockOptions {
  /** Told one line when a stale lock is taken over. */
  onNote?: (line: string) => void;
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or null. */
function processStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const j = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isSafeInteger(j.pid) || typeof j.startedAt !== 'string' || typeof j.token !== 'string') return null;
    return {
      pid: j.pid!,
      startedAt: j.startedAt,
      processStart: typeof j.processStart === 'string' ? j.processStart : null,
      host: String(j.host ?? ''),
      token: j.token,
    };
  } catch {
    return null;
  }
}

/** The holder of the folder's lock, or null when there is none (or it is unreadable). */
export function readLockHolder(dir: string): LockHolder | null {
  try {
    return parseHolder(readFileSync(join(dir, LOCK_FILE), 'utf8'));
  } catch {
    return null;
  }
}

/** Whether the holder may still be running; a lock from another machine is always assumed live. */
export function holderAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = processStartOf(holder.pid);
  return holder.processStart === null || now === null || now === holder.processStart;
}

export function describeHolder(holder: LockHolder): string {
  const where = holder.host === hostname() ? '' : ` on ${holder.host}`;
  return `pid ${holder.pid}${where}, started ${holder.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`;
}

function writeSynced(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes the lock of model folder `dir` (which must exist). Throws ModelLockedError when a live
 * process holds it. The lock is released by release() or, failing that, when the process exits.
 */
export function acquireModelLock(dir: string, options: LockOptions = {}): ModelLock {
  const path = join(dir, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    processStart: processStartOf(process.pid),
    host: hostname(),
    token: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(holder)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    const draft = join(dir, `.${LOCK_FILE}.new-${process.pid}-${holder.token}`);
    writeSynced(draft, text);
    try {
      linkSync(draft, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const seen = readFileOrNull(path);
      if (seen === null) continue; // released in between: try again
      const other = parseHolder(seen);
      if (other && holderAlive(other)) {
        throw lockedError(dir, other);
      }
      if (takeOver(path, seen)) {
        options.onNote?.(
          other
            ? `taking over the lock of ${dir} left by a run that is no longer running (${describeHolder(other)})`
            : `taking over the unreadable lock file ${path}`,
        );
      }
      continue;
    } finally {
      rmSync(draft, { force: true });
    }
    return lockHandle(path, holder, text);
  }
  throw new Error(`could not take the lock ${path}: other runs keep taking it; try again`);
}

function readFileOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Moves a stale lock aside; if another process replaced it meanwhile, puts that one back. */
function takeOver(path: string, staleText: string): boolean {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return false; // someone else moved it first
  }
  const moved = readFileOrNull(aside);
  if (moved !== staleText) {
    try {
      linkSync(aside, path); // a fresh lock of another run: restore it
    } catch {
      // a third run has locked since; theirs stands
    }
    rmSync(aside, { force: true });
    return false;
  }
  rmSync(aside, { force: true });
  return true;
}

function lockHandle(path: string, holder: LockHolder, text: string): ModelLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    if (readFileOrNull(path) === text) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return { path, holder, release };
}

/**
 * Removes a lock left by this very process (a worker thread that ended without releasing it).
 * Only for a caller that knows no other thread of the process trains into `dir`.
 */
export function releaseOwnLock(dir: string): void {
  const path = join(dir, LOCK_FILE);
  const text = readFileOrNull(path);
  const h = text === null ? null : parseHolder(text);
  if (h && h.pid === process.pid && h.host === hostname() && readFileOrNull(path) === text) rmSync(path, { force: true });
}

/** Throws ModelLockedError when a live process holds the lock of `dir` (a check before any work). */
export function refuseIfLocked(dir: string): void {
  const holder = readLockHolder(dir);
  if (holder && holderAlive(holder)) throw lockedError(dir, holder);
}

function lockedError(dir: string, holder: LockHolder): ModelLockedError {
  return new ModelLockedError(
    `${dir} is being trained by another RNN Lab run (${describeHolder(holder)}); wait for it to finish or stop it, or choose another folder`,
    holder,
  );
}
