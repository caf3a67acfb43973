import { setTimeout as sleep } from 'node:timers/promises';

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

/**
 * A token bucket: bursts up to the limit, refilled continuously. A caller that finds it empty
 * takes a reservation (the count goes negative) and waits its turn, so waiters are served in order.
 */
export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
  private readonly perMs: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.requests;
    this.updatedAt = now();
    this.perMs = limit.requests / limit.intervalMs;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    this.tokens = Math.min(this.limit.requests, this.tokens + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    const waitMs = Math.ceil(-this.tokens / this.perMs);
    try {
      await sleep(waitMs, undefined, signal ? { signal } : undefined);
    } catch (error) {
      this.tokens += 1; // give the reservation back
      throw error;
    }
  }
}
