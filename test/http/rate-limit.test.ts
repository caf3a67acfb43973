import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MembersError } from '../../src/core/errors.js';
import { CallBudget } from '../../src/http/budget.js';
import { MemoryStartLog, parseRateLimit, RateLimiter, WaitTooLong } from '../../src/http/rate-limit.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');

/** Whether a promise has settled, once pending timers and microtasks have run. */
async function state(promise: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> {
  return Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending'))),
  ]);
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('parseRateLimit', () => {
  it('parses the configured forms', () => {
    expect(parseRateLimit('50/s')).toEqual({ requests: 50, intervalMs: 1000 });
    expect(parseRateLimit('30/h')).toEqual({ requests: 30, intervalMs: HOUR });
    expect(parseRateLimit(' 600 / min ')).toEqual({ requests: 600, intervalMs: 60_000 });
    expect(parseRateLimit('off')).toBeUndefined();
    expect(() => parseRateLimit('fast')).toThrow(/invalid rate limit/);
    expect(() => parseRateLimit('10/fortnight')).toThrow(/invalid rate limit/);
  });
});

describe('RateLimiter (fake clock)', () => {
  it('lets a burst through, then never more than the limit in any window', async () => {
    const limiter = new RateLimiter({ requests: 3, intervalMs: HOUR });
    await limiter.acquire();
    vi.setSystemTime(T0 + 20 * 60_000);
    await limiter.acquire();
    await limiter.acquire();
    expect(limiter.status()).toMatchObject({ limit: '3/h', available: 0, nextAt: T0 + HOUR });
    const fourth = limiter.acquire();
    await vi.advanceTimersByTimeAsync(39 * 60_000); // T0 + 59 min: the first start is still in the window
    expect(await state(fourth)).toBe('pending');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await state(fourth)).toBe('resolved');
    // A token bucket would have refilled one every 20 minutes; the window frees the next two only at T0 + 80 min.
    expect(limiter.status()).toMatchObject({ available: 0, nextAt: T0 + 80 * 60_000 });
  });

  it('refuses at once a turn that would come after the deadline, and takes nothing', async () => {
    const limiter = new RateLimiter({ requests: 2, intervalMs: HOUR });
    await limiter.acquire();
    await limiter.acquire();
    const error = await limiter.acquire({ deadline: T0 + 45_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTooLong);
    expect((error as WaitTooLong).slotAt).toBe(T0 + HOUR);
    expect(limiter.status()).toMatchObject({ queued: 0, available: 0 });
    // A turn within the deadline waits, and says how long.
    const waits: number[] = [];
    const waiting = limiter.acquire({ deadline: T0 + 2 * HOUR, onWait: (ms) => waits.push(ms) });
    expect(waits).toEqual([HOUR]);
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(await state(waiting)).toBe('resolved');
  });

  it('drops an aborted waiter from the queue: those behind it move up, and it takes nothing', async () => {
    const limiter = new RateLimiter({ requests: 1, intervalMs: 1000 });
    await limiter.acquire();
    const first = new AbortController();
    const abandoned = limiter.acquire({ signal: first.signal });
    const behind = limiter.acquire();
    expect(limiter.status().queued).toBe(2);
    await vi.advanceTimersByTimeAsync(10);
    first.abort();
    expect(await state(abandoned)).toBe('rejected');
    await expect(abandoned).rejects.toMatchObject({ name: 'AbortError' });
    expect(limiter.status().queued).toBe(1);
    // It gets the abandoned turn (T0 + 1 s), not its own (T0 + 2 s).
    await vi.advanceTimersByTimeAsync(990);
    expect(await state(behind)).toBe('resolved');
    expect(limiter.status()).toMatchObject({ queued: 0, available: 0, nextAt: T0 + 2000 });
  });

  it('refuses a queued waiter whose turn moves past its deadline (another process took the window)', async () => {
    const log = new MemoryStartLog();
    const limiter = new RateLimiter({ requests: 1, intervalMs: 1000 }, log);
    await limiter.acquire();
    const waiting = limiter.acquire({ deadline: T0 + 1500 });
    const outcome = waiting.catch((error: unknown) => error);
    // Another process sharing the log takes the turn this waiter was counting on.
    expect(log.take(T0 + 1000, T0, 2)).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await state(waiting)).toBe('rejected');
    expect(await outcome).toMatchObject({ name: 'WaitTooLong', slotAt: T0 + 2000 });
    expect(limiter.status().queued).toBe(0);
  });

  it('turns a fractional rate into whole requests per window', () => {
    const limiter = new RateLimiter({ requests: 2.5, intervalMs: 1000 });
    expect([limiter.capacity, limiter.windowMs]).toEqual([2, 800]);
  });

  it('forecasts when a number of requests fits within one call\'s budget', async () => {
    const limiter = new RateLimiter({ requests: 3, intervalMs: HOUR });
    for (const minutes of [0, 10, 20]) {
      vi.setSystemTime(T0 + minutes * 60_000);
      await limiter.acquire();
    }
    expect(limiter.lastTurn(1)).toBe(T0 + HOUR);
    expect(limiter.lastTurn(2)).toBe(T0 + HOUR + 10 * 60_000);
    // Two requests within 45 s: from 45 s before the second start leaves the window.
    expect(limiter.earliestFit(2, 45_000)).toBe(T0 + HOUR + 10 * 60_000 - 45_000); // the second waits 45 s
    // Four never fit in one 45 s call at 3/h.
    expect(limiter.maxPerSpan(45_000)).toBe(3);
    expect(limiter.earliestFit(4, 45_000)).toBe(Infinity);
    // At 2/s a 45 s call can make 92 requests: 2 now and 2 more each second.
    expect(new RateLimiter({ requests: 2, intervalMs: 1000 }).maxPerSpan(45_000)).toBe(92);
  });
});

describe('CallBudget (fake clock)', () => {
  it('refuses planned writes the limit cannot fit before the deadline, saying the numbers and when to retry', async () => {
    const limiter = new RateLimiter({ requests: 10, intervalMs: HOUR });
    const signal = new AbortController().signal;
    const budget = new CallBudget({ connection: 'acme', signal, startedAt: Date.now(), budgetMs: 45_000, limiter });
    expect(CallBudget.of(signal)).toBe(budget);
    for (let i = 0; i < 8; i++) await limiter.acquire(); // other calls' requests, and this call's reads
    budget.requests = 3; // the reads, as the HTTP client counts them
    budget.planWrites(2, false); // fits: 2 left
    const error = (() => {
      try {
        budget.planWrites(3, false);
      } catch (thrown) {
        return thrown as MembersError;
      }
      throw new Error('expected a refusal');
    })();
    // Six requests fit once the window has room for two at once and the rest within 45 s.
    const retryAt = T0 + HOUR - 45_000;
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAt, budget: { limit: '10/h', requests: 6, available: 2 } });
    expect(error.message).toContain('Refused before any change');
    expect(error.message).toContain('6 requests (3 made to read the current state, 3 planned to write and confirm)');
    expect(error.message).toContain('rate limit 10/h, 2 of 10 requests left now');
    expect(error.message).toContain(`Retry at ${new Date(retryAt).toISOString()} (in 3555 s)`);
    // A dry run is never refused; it reports what the real call takes and when it would fit.
    budget.planWrites(3, true);
    expect(budget.dryRunReport()).toEqual({
      limit: '10/h',
      requests: 6,
      available: 2,
      fits: false,
      retryAt: new Date(retryAt).toISOString(),
      retryAfterSeconds: 3555,
    });
    // The real call repeats the dry run's reads: one read and one write fit in the two left.
    budget.requests = 1;
    budget.planWrites(1, true);
    expect(budget.dryRunReport()).toEqual({ limit: '10/h', requests: 2, available: 2, fits: true });
  });

  it('reports waits to the call now and every few seconds while they last', async () => {
    const messages: string[] = [];
    const budget = new CallBudget({ connection: 'acme', signal: new AbortController().signal, startedAt: Date.now(), budgetMs: 45_000, onWait: (m) => messages.push(m) });
    const stop = budget.waiting(12_000, 'the rate limit (2/s)');
    await vi.advanceTimersByTimeAsync(11_000);
    stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(messages).toEqual([
      'Waiting 12 s for the rate limit (2/s).',
      'Still waiting for the rate limit (2/s): 7.0 s left.',
      'Still waiting for the rate limit (2/s): 2.0 s left.',
    ]);
  });
});
