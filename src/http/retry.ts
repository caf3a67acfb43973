import { setTimeout as sleep } from 'node:timers/promises';
import type { RetryHandler } from 'undici';

/** How hard one HTTP call tries before it gives up. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** No new attempt starts later than this after the first one began. */
  budgetMs: number;
  /** First back-off step; each further step doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * A provider's documented answer to 429: the wait before each retry after a 429, in order; one
   * more 429 ends the request. Undefined: 429 is retried like any other retryable failure.
   */
  rateLimitBackoffMs?: readonly number[] | undefined;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, budgetMs: 30_000, baseDelayMs: 300, maxDelayMs: 8_000 };

/** Failures after which nothing reached the server: safe to repeat, even for a write. */
const NOT_SENT_ERRORS = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
]);

/** Failures after the request was (maybe) sent: a write may or may not have been applied. */
const AFTER_SEND_ERRORS = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const READ_METHODS = new Set(['GET', 'HEAD']);
/** A write is repeated only when the provider said it did not process it. */
const RETRY_STATUS_WRITE = new Set([429, 503]);
const RETRY_STATUS_READ = new Set([408, 429, 500, 502, 503, 504]);

export interface Failure {
  status?: number | undefined;
  code?: string | undefined;
}

export function isReadMethod(method: string): boolean {
  return READ_METHODS.has(method.toUpperCase());
}

/**
 * Whether a request is safe to repeat: a read, whatever its method. By default GET and HEAD; a
 * request that reads with POST (Clockify's users/info, a login) says so with `idempotent: true`.
 */
export function isSafeToRepeat(method: string, idempotent?: boolean): boolean {
  return idempotent ?? isReadMethod(method);
}

/** Whether a failure may be retried: for a write, only when the provider cannot have processed it. */
export function isRetryable(method: string, failure: Failure, safe: boolean = isReadMethod(method)): boolean {
  if (failure.status !== undefined) return (safe ? RETRY_STATUS_READ : RETRY_STATUS_WRITE).has(failure.status);
  if (failure.code === undefined) return false;
  if (NOT_SENT_ERRORS.has(failure.code)) return true;
  return safe && AFTER_SEND_ERRORS.has(failure.code);
}

/** True when a failed write may nevertheless have been applied by the provider. */
export function isOutcomeUnknown(method: string, code: string | undefined, safe: boolean = isReadMethod(method)): boolean {
  return !safe && code !== undefined && AFTER_SEND_ERRORS.has(code);
}

export function isNotSent(code: string | undefined): boolean {
  return code !== undefined && NOT_SENT_ERRORS.has(code);
}

export function isTimeoutCode(code: string | undefined): boolean {
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

/**
 * Retry-After as milliseconds from now: delta-seconds or an HTTP date. Anything else (a negative
 * number, a bare word) is treated as absent, so that the usual back-off applies rather than none.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its day or month; Date.parse alone would read "-5" as the year -5.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Exponential back-off with "equal jitter": half the step is fixed, half random. */
export function backoffDelay(attemptsMade: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * The wait before the next attempt, or undefined when the budget does not allow one: the
 * request's own (attempts, budgetMs) or the call's (no wait may end after `remainingMs`).
 */
export function nextDelay(
  attemptsMade: number,
  elapsedMs: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random: () => number = Math.random,
  remainingMs: number = Infinity,
): number | undefined {
  if (attemptsMade >= policy.attempts) return undefined;
  // Honour Retry-After as given, plus a little jitter so that parallel callers do not return in step.
  const delay =
    retryAfterMs !== undefined
      ? retryAfterMs + Math.round(random() * Math.min(250, retryAfterMs * 0.1))
      : backoffDelay(attemptsMade, policy, random);
  if (elapsedMs + delay > policy.budgetMs || delay > remainingMs) return undefined;
  return delay;
}

/**
 * The wait after the n-th 429 (counted from 0) under a provider's documented back-off: its step,
 * or a longer Retry-After; undefined once the steps are used up or the time budget would be passed
 * (the request's own, or the call's: no wait may end after `remainingMs`).
 */
export function documentedDelay(
  steps: readonly number[],
  n: number,
  elapsedMs: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  remainingMs: number = Infinity,
): number | undefined {
  const step = steps[n];
  if (step === undefined) return undefined;
  const delay = Math.max(step, retryAfterMs ?? 0);
  return elapsedMs + delay > policy.budgetMs || delay > remainingMs ? undefined : delay;
}

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  status?: number | undefined;
  code?: string | undefined;
}

interface UndiciRetryError extends Error {
  statusCode?: number;
  code?: string;
  headers?: Record<string, string | string[] | undefined>;
}

/**
 * Retry options for undici's retry interceptor (RetryHandler), with our policy in its `retry`
 * callback: which failures are retryable (writes only when provably not applied), Retry-After,
 * jittered back-off, the time budget, cancellation during the wait, and the rate limiter taken
 * again before each new attempt.
 */
export function undiciRetryOptions(options: {
  method: string;
  /** Safe to repeat after any transient failure (a read), else only when provably not processed. */
  safe: boolean;
  policy: RetryPolicy;
  signal: AbortSignal;
  startedAt: number;
  /** The call's deadline (epoch ms): no back-off wait ends after it. */
  deadline?: number | undefined;
  beforeAttempt: (signal: AbortSignal) => Promise<void>;
  /** Told of each retry before its wait; returns what to call when the wait is over. */
  onRetry?: (notice: RetryNotice) => (() => void) | void;
  random?: () => number;
}): RetryHandler.RetryOptions {
  const { method, safe, policy, signal, startedAt, deadline, beforeAttempt, onRetry, random } = options;
  let rateLimited = 0; // 429s seen so far, for a provider's documented back-off
  return {
    throwOnError: false,
    maxRetries: policy.attempts,
    retry(error, { state }, callback) {
      const failure = error as UndiciRetryError;
      const status = failure.statusCode;
      const code = status === undefined ? failure.code : undefined;
      if (signal.aborted || !isRetryable(method, { status, code }, safe)) return callback(error);
      const retryAfter = status !== undefined ? parseRetryAfter(failure.headers?.['retry-after']) : undefined;
      const now = Date.now();
      const remainingMs = (deadline ?? Infinity) - now;
      const delay =
        status === 429 && policy.rateLimitBackoffMs
          ? documentedDelay(policy.rateLimitBackoffMs, rateLimited++, now - startedAt, retryAfter, policy, remainingMs)
          : nextDelay(state.counter, now - startedAt, retryAfter, policy, random, remainingMs);
      if (delay === undefined) return callback(error);
      const waited = onRetry?.({ attempt: state.counter + 1, delayMs: delay, status, code });
      sleep(delay, undefined, { signal })
        .finally(() => waited?.())
        .then(() => beforeAttempt(signal))
        .then(
          () => callback(signal.aborted ? error : null),
          () => callback(error),
        );
    },
  };
}
