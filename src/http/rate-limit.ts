import type { RateStatus } from '../core/budget.js';

export interface RateLimit {
  requests: number;
  intervalMs: number;
}

const UNITS: Record<string, number> = { s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, hour: 3_600_000 };

/** Parses "50/s", "30/h", "600/min"; "off" or "0" means no limit. */
export function parseRateLimit(text: string): RateLimit | undefined {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'off' || trimmed === 'none' || trimmed === '0') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)$/.exec(trimmed);
  const unit = match ? UNITS[match[2]!] : undefined;
  if (!match || unit === undefined || Number(match[1]) <= 0) {
    throw new Error(`invalid rate limit "${text}" (expected e.g. 50/s, 600/min, 30/h, or off)`);
  }
  return { requests: Number(match[1]), intervalMs: unit };
}

/** "30/h", "2/s": a limit as the configuration writes it, for messages and status reports. */
export function formatRateLimit(limit: RateLimit): string {
  const unit = Object.entries(UNITS).find(([, ms]) => ms === limit.intervalMs)?.[0] ?? `${limit.intervalMs}ms`;
  return `${limit.requests}/${unit}`;
}

/**
 * Where a limiter keeps the start times of recent requests: in memory (one process), or in a
 * file that several processes share (see shared-limit.ts).
 */
export interface StartLog {
  /** Recent request starts, oldest first (entries older than the window may remain). */
  read(): number[];
  /** Atomically: when fewer than `capacity` starts are later than `since`, records `at` and returns true. */
  take(at: number, since: number, capacity: number): boolean;
  /** Where the log lives, for status reports; undefined in memory. */
  readonly location?: string | undefined;
}

export class MemoryStartLog implements StartLog {
  private starts: number[] = [];

  read(): number[] {
    return this.starts;
  }

  take(at: number, since: number, capacity: number): boolean {
    this.starts = this.starts.filter((start) => start > since);
    if (this.starts.length >= capacity) return false;
    this.starts.push(at);
    return true;
  }
}

/** A wait that would end after the caller's deadline: the caller answers instead of waiting. */
export class WaitTooLong extends Error {
  override name = 'WaitTooLong';
  constructor(readonly slotAt: number) {
    super(`the next request could start only at ${new Date(slotAt).toISOString()}`);
  }
}

export interface AcquireOptions {
  signal?: AbortSignal | undefined;
  /** Latest acceptable start (epoch ms); a later turn is refused at once with WaitTooLong. */
  deadline?: number | undefined;
  /** Told how long the caller will wait, when it has to. */
  onWait?: ((waitMs: number) => void) | undefined;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  deadline: number;
  signal?: AbortSignal | undefined;
  onAbort?: () => void;
}

/**
 * A sliding-window limit: at most `capacity` requests start in any window of `windowMs`. Unlike a
 * token bucket, which lets up to twice the limit through in one window (a full burst, then the
 * refill), a window never exceeds what the provider allows, whichever way it counts its own
 * (Clockify does not say).
 *
 * Callers that find the window full queue in order. A caller whose turn would come after its
 * deadline is refused at once (WaitTooLong) and takes nothing; a caller that aborts leaves the
 * queue, and those behind it move up. Turns are computed from the log each time, never reserved,
 * so nothing has to be given back.
 */
export class RateLimiter {
  readonly capacity: number;
  readonly windowMs: number;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limit: RateLimit,
    private readonly log: StartLog = new MemoryStartLog(),
    private readonly clock: () => number = Date.now,
  ) {
    // 2.5/s becomes 2 per 800 ms: the same rate with a whole number of requests per window.
    this.capacity = Math.max(1, Math.floor(limit.requests));
    this.windowMs = (limit.intervalMs * this.capacity) / limit.requests;
  }

  /** Takes a turn now when one is free and nobody is waiting; false otherwise (then acquire() waits). */
  tryAcquire(): boolean {
    return this.queue.length === 0 && this.take(this.clock());
  }

  /** Resolves when a request may start; rejects with WaitTooLong past the deadline, or with the abort reason. */
  acquire(options: AcquireOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const now = this.clock();
    if (this.queue.length === 0 && this.take(now)) return Promise.resolve();
    const turn = this.turns(now, this.queue.length + 1).at(-1)!;
    const deadline = options.deadline ?? Infinity;
    if (turn > deadline) return Promise.reject(new WaitTooLong(turn));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, deadline, signal };
      if (signal) {
        waiter.onAbort = () => {
          this.leave(waiter);
          reject(abortReason(signal));
          this.serve();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      options.onWait?.(Math.max(0, turn - now));
      this.serve();
    });
  }

  status(): RateStatus {
    const now = this.clock();
    const inWindow = this.recent(now).length;
    const status: RateStatus = {
      limit: formatRateLimit(this.limit),
      capacity: this.capacity,
      windowMs: this.windowMs,
      available: Math.max(0, this.capacity - inWindow - this.queue.length),
      queued: this.queue.length,
    };
    if (status.available === 0) status.nextAt = this.turns(now, this.queue.length + 1).at(-1)!;
    if (this.log.location) status.sharedFile = this.log.location;
    return status;
  }

  /** When the last of `count` more requests could start, if they were asked for now (after those queued). */
  lastTurn(count: number): number {
    const now = this.clock();
    if (count <= 0) return now;
    return this.turns(now, this.queue.length + count).at(-1)!;
  }

  /**
   * The earliest time from which `count` requests, asked for one after another, all start within
   * `spanMs` (one call's budget); Infinity when no such time exists (more than the window allows).
   */
  earliestFit(count: number, spanMs: number): number {
    const now = this.clock();
    if (count <= 0) return now;
    const known = [...this.recent(now), ...this.turns(now, this.queue.length)];
    // Start times where the answer can change: now, each expiry, and each expiry minus the span.
    const candidates = new Set<number>([now]);
    for (const start of known) {
      for (const at of [start + this.windowMs, start + this.windowMs - spanMs]) if (at > now) candidates.add(at);
    }
    for (const from of [...candidates].sort((a, b) => a - b)) {
      const last = this.schedule(known, from, count).at(-1)!;
      if (last <= from + spanMs) return from;
    }
    return Infinity;
  }

  /** Most requests one call could make within `spanMs` on an idle connection. */
  maxPerSpan(spanMs: number): number {
    return this.capacity * (Math.floor(spanMs / this.windowMs) + 1);
  }

  // ---- internals ----

  private take(now: number): boolean {
    return this.log.take(now, now - this.windowMs, this.capacity);
  }

  private recent(now: number): number[] {
    const since = now - this.windowMs;
    return this.log.read().filter((start) => start > since);
  }

  /** Start times of the next `count` requests asked for now, in order. */
  private turns(now: number, count: number): number[] {
    return this.schedule(this.recent(now), now, count);
  }

  /** Given past starts (ascending), when `count` further requests could start from `from` on. */
  private schedule(past: number[], from: number, count: number): number[] {
    const starts = [...past];
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const blocking = starts.length >= this.capacity ? starts[starts.length - this.capacity]! + this.windowMs : from;
      const at = Math.max(from, blocking);
      starts.push(at);
      out.push(at);
    }
    return out;
  }

  /** Lets waiters through whose turn has come, refuses those whose turn moved past their deadline, re-arms the timer. */
  private serve(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.clock();
    try {
      while (this.queue.length > 0 && this.take(now)) {
        const waiter = this.queue.shift()!;
        this.detach(waiter);
        waiter.resolve();
      }
    } catch (error) {
      // The shared state cannot be used (a directory that cannot be written, a lock held too long): tell every waiter.
      for (const waiter of this.queue.splice(0)) {
        this.detach(waiter);
        waiter.reject(error);
      }
      return;
    }
    if (this.queue.length === 0) return;
    // Another process sharing the log may have taken turns: refuse whoever can no longer make it.
    const starts = this.recent(now);
    let first: number | undefined;
    for (const waiter of [...this.queue]) {
      const [turn] = this.schedule(starts, now, 1);
      if (turn! > waiter.deadline) {
        this.leave(waiter);
        waiter.reject(new WaitTooLong(turn!));
        continue;
      }
      starts.push(turn!);
      first ??= turn;
    }
    if (first !== undefined) this.timer = setTimeout(() => this.serve(), Math.max(1, first - now));
  }

  private leave(waiter: Waiter): void {
    const index = this.queue.indexOf(waiter);
    if (index >= 0) this.queue.splice(index, 1);
    this.detach(waiter);
  }

  private detach(waiter: Waiter): void {
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
