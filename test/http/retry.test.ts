import { describe, expect, it } from 'vitest';
import { backoffDelay, documentedDelay, isOutcomeUnknown, isRetryable, isSafeToRepeat, nextDelay, parseRetryAfter, type RetryPolicy } from '../../src/http/retry.js';
import { loadConnections } from '../../src/config.js';

const policy: RetryPolicy = { attempts: 4, budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('retry policy', () => {
  it('repeats a write only when the provider said it did not process it', () => {
    expect(isRetryable('POST', { status: 429 })).toBe(true);
    expect(isRetryable('PUT', { status: 503 })).toBe(true);
    expect(isRetryable('POST', { status: 500 })).toBe(false);
    expect(isRetryable('DELETE', { status: 504 })).toBe(false);
    expect(isRetryable('POST', { code: 'ECONNRESET' })).toBe(false);
    expect(isRetryable('POST', { code: 'UND_ERR_HEADERS_TIMEOUT' })).toBe(false);
    expect(isRetryable('POST', { code: 'ECONNREFUSED' })).toBe(true); // nothing was sent
    expect(isOutcomeUnknown('POST', 'ECONNRESET')).toBe(true);
    expect(isOutcomeUnknown('GET', 'ECONNRESET')).toBe(false);
  });

  it('repeats reads after transient failures', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isRetryable('GET', { status })).toBe(true);
    expect(isRetryable('GET', { status: 400 })).toBe(false);
    expect(isRetryable('GET', { status: 404 })).toBe(false);
    expect(isRetryable('GET', { code: 'UND_ERR_SOCKET' })).toBe(true);
    expect(isRetryable('GET', { code: 'SOMETHING_ELSE' })).toBe(false);
  });

  it('follows a provider\'s documented 429 back-off step by step, then reports', () => {
    const steps = [1000, 5000];
    const budget = { ...policy, budgetMs: 30_000 };
    expect(documentedDelay(steps, 0, 0, undefined, budget)).toBe(1000);
    expect(documentedDelay(steps, 1, 1000, undefined, budget)).toBe(5000);
    expect(documentedDelay(steps, 2, 6000, undefined, budget)).toBeUndefined(); // the third 429 is reported
    expect(documentedDelay(steps, 0, 0, 3000, budget)).toBe(3000); // a longer Retry-After wins
    expect(documentedDelay(steps, 1, 1000, undefined, { ...budget, budgetMs: 4000 })).toBeUndefined(); // within the budget
    expect(documentedDelay(steps, 1, 1000, undefined, budget, 4000)).toBeUndefined(); // and within the call's deadline
    expect(documentedDelay(steps, 1, 1000, undefined, budget, 5000)).toBe(5000);
  });

  it('gives ProjectManager.com connections its documented back-off, and no other provider one', () => {
    const { connections } = loadConnections({ PROJECTMANAGER_API_KEY: 'k', CLOCKIFY_API_KEY: 'k', GORULES_BASE_URL: 'https://brms.example.com', GORULES_TOKEN: 't' });
    const retry = Object.fromEntries(connections.map((c) => [c.kind, c.http.retry.rateLimitBackoffMs]));
    expect(retry).toEqual({ projectmanager: [1000, 5000], clockify: undefined, gorules: undefined });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(['1.5'])).toBe(1500);
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('treats a negative or otherwise impossible Retry-After as absent, so that the back-off applies', () => {
    for (const value of ['-5', '-0.5', '+3', '5 s', '1e3']) expect(parseRetryAfter(value), value).toBeUndefined();
    // Absent, the next delay is the jittered back-off, never zero.
    expect(nextDelay(1, 0, parseRetryAfter('-5'), policy, () => 0)).toBe(50);
  });

  it('says which requests are safe to repeat: reads, and what a request marks idempotent', () => {
    expect(isSafeToRepeat('GET')).toBe(true);
    expect(isSafeToRepeat('POST')).toBe(false);
    expect(isSafeToRepeat('POST', true)).toBe(true);
    expect(isRetryable('POST', { code: 'ECONNRESET' }, isSafeToRepeat('POST', true))).toBe(true);
    expect(isRetryable('POST', { status: 500 }, true)).toBe(true);
    expect(isOutcomeUnknown('POST', 'ECONNRESET', true)).toBe(false);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
  });

  it('honours Retry-After over back-off, and stops at the attempt and time budget', () => {
    expect(nextDelay(1, 0, 2000, policy, () => 0)).toBe(2000);
    expect(nextDelay(1, 0, 2000, policy, () => 1)).toBe(2200);
    expect(nextDelay(4, 0, undefined, policy)).toBeUndefined();
    expect(nextDelay(1, 9_990, undefined, policy, () => 1)).toBeUndefined();
    expect(nextDelay(1, 0, 60_000, policy)).toBeUndefined();
  });

  it('never waits past what is left of the call\'s budget', () => {
    expect(nextDelay(1, 0, 2000, policy, () => 0, 2000)).toBe(2000);
    expect(nextDelay(1, 0, 2000, policy, () => 0, 1999)).toBeUndefined();
    expect(nextDelay(1, 0, undefined, policy, () => 0, 10)).toBeUndefined();
  });
});
