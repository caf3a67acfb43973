import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { MemoryStartLog, RateLimiter, type RateLimit, type StartLog } from './rate-limit.js';

/** A lock held longer than this was left by a process that died holding it (a hold takes well under a millisecond). */
const STALE_LOCK_MS = 10_000;
/** Longest wait for a live lock before the request fails (something is badly wrong by then). */
const LOCK_WAIT_MS = 3_000;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * A connection's limiter from its limits: none without a rate limit; its state in this process's
 * memory, or in the state file shared with other processes when MEMBERS_MCP_SHARE_RATE_LIMIT gave one.
 */
export function rateLimiterFor(limits: { rateLimit?: RateLimit | undefined; sharedStateFile?: string | undefined } | undefined): RateLimiter | undefined {
  if (!limits?.rateLimit) return undefined;
  return new RateLimiter(limits.rateLimit, limits.sharedStateFile ? new FileStartLog(limits.sharedStateFile) : new MemoryStartLog());
}

/** `$XDG_CACHE_HOME/project-members-mcp/rate-limits`, else `~/.cache/…`. */
export function sharedLimitDir(env: Record<string, string | undefined>): string {
  const cache = env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache');
  return join(cache, 'project-members-mcp', 'rate-limits');
}

/**
 * The state file of one provider account: named by the provider and a hash of the settings that
 * identify the account (base URL, workspace, user name; never a secret), so that every process
 * configured for that account finds the same file, whatever it calls the connection.
 */
export function sharedLimitFile(dir: string, kind: string, identity: Record<string, string | undefined>): string {
  const text = JSON.stringify(Object.entries(identity).filter(([, value]) => value !== undefined).sort(([a], [b]) => a.localeCompare(b)));
  const hash = createHash('sha256').update(`${kind}\n${text}`).digest('hex').slice(0, 16);
  return join(dir, `${kind}-${hash}.json`);
}

/**
 * Request starts kept in a small JSON file that several processes on this machine share. Each
 * take is a read-check-write under an exclusive lock file (created with O_EXCL, so exactly one
 * process gets it); the file is replaced by rename, so a reader never sees half a write. A lock
 * left behind by a crashed process is removed once it is older than STALE_LOCK_MS or its process
 * is gone.
 */
export class FileStartLog implements StartLog {
  private readonly lockPath: string;

  constructor(readonly location: string) {
    this.lockPath = `${location}.lock`;
  }

  read(): number[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.location, 'utf8'));
    } catch {
      return []; // not written yet, or unreadable: the next take writes it afresh
    }
    const starts = (parsed as { starts?: unknown } | null)?.starts;
    return Array.isArray(starts) ? starts.filter((value): value is number => typeof value === 'number').sort((a, b) => a - b) : [];
  }

  take(at: number, since: number, capacity: number): boolean {
    return this.locked(() => {
      const starts = this.read().filter((start) => start > since);
      if (starts.length >= capacity) return false;
      starts.push(at);
      starts.sort((a, b) => a - b);
      const temporary = `${this.location}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ starts }));
      renameSync(temporary, this.location);
      return true;
    });
  }

  private locked<T>(work: () => T): T {
    mkdirSync(dirname(this.location), { recursive: true });
    const started = Date.now();
    for (;;) {
      try {
        const fd = openSync(this.lockPath, 'wx');
        writeSync(fd, `${process.pid} ${Date.now()}`);
        closeSync(fd);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (this.removedStaleLock()) continue;
      if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`the rate-limit state ${this.location} stayed locked for ${LOCK_WAIT_MS} ms (${this.lockPath})`);
      Atomics.wait(sleepCell, 0, 0, 1); // a synchronous 1 ms pause: holds are far shorter
    }
    try {
      return work();
    } finally {
      try {
        unlinkSync(this.lockPath);
      } catch {
        // already removed as stale by another process: nothing to release
      }
    }
  }

  private removedStaleLock(): boolean {
    try {
      const [pid, since] = readFileSync(this.lockPath, 'utf8').split(' ').map(Number);
      const age = Date.now() - (Number.isFinite(since) ? since! : statSync(this.lockPath).mtimeMs);
      if (age < STALE_LOCK_MS && (pid === undefined || !Number.isInteger(pid) || isAlive(pid))) return false;
      unlinkSync(this.lockPath);
      return true;
    } catch {
      return true; // the lock went away meanwhile: try again at once
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
