import type { Agent, Dispatcher } from 'undici';
import { MembersError, isAbortError, type ErrorCode } from '../core/errors.js';
import { retryMoment } from '../core/budget.js';
import type { Logger } from '../core/log.js';
import type { Redactor } from '../core/redact.js';
import { CallBudget } from './budget.js';
import { WaitTooLong, type RateLimit, type RateLimiter } from './rate-limit.js';
import {
  DEFAULT_RETRY_POLICY,
  isNotSent,
  isOutcomeUnknown,
  isSafeToRepeat,
  isTimeoutCode,
  parseRetryAfter,
  undiciRetryOptions,
  type RetryPolicy,
} from './retry.js';
import { rateLimiterFor } from './shared-limit.js';
import { withQuery } from './path.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type QueryValue = string | number | boolean | undefined | readonly string[];

export interface HttpTimeouts {
  connectMs: number;
  /** Longest wait for the response headers, and between body chunks, per attempt. */
  responseMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 10_000, responseMs: 30_000 };

/**
 * The largest reply body read from a provider (MEMBERS_MCP_MAX_REPLY_BYTES): far above any page
 * of members or users, and a bound on what one reply can cost in memory.
 */
export const DEFAULT_MAX_REPLY_BYTES = 32 * 1024 * 1024;

/** Connection-level limits, from the provider's documented limits unless configured. */
export interface HttpLimits {
  /** Requests in flight at once on this connection (undici pool size). */
  maxInFlight: number;
  /** Requests started per interval; undefined when the provider documents no limit. */
  rateLimit?: RateLimit | undefined;
  /** Keep the limit's state in this file, shared with other processes on this machine (off when undefined). */
  sharedStateFile?: string | undefined;
}

/** A failed reply, as the provider-specific error mapping sees it. */
export interface ErrorReply {
  status: number;
  method: HttpMethod;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body was JSON, else undefined. */
  json: unknown;
  text: string;
}

export interface ErrorDescription {
  code?: ErrorCode;
  message?: string;
  hint?: string;
}

export interface HttpClientOptions {
  /** Provider name for messages, e.g. "Clockify". */
  label: string;
  baseUrl: string;
  headers?: Record<string, string>;
  redactor: Redactor;
  logger: Logger;
  timeouts?: HttpTimeouts;
  retry?: RetryPolicy;
  limits?: HttpLimits;
  /** The connection's rate limiter (shared with its calls' budgets); else one is made from `limits`. */
  limiter?: RateLimiter | undefined;
  /** Maps a provider's error reply to the contract; what it leaves out gets the generic mapping. */
  describeError?: (reply: ErrorReply) => ErrorDescription | undefined;
  /** Replies with a larger body fail without being read in full (DEFAULT_MAX_REPLY_BYTES). */
  maxReplyBytes?: number | undefined;
}

export interface RequestOptions {
  method: HttpMethod;
  /** Path below the base URL, built with buildPath() so that input is encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  headers?: Record<string, string>;
  signal: AbortSignal;
  /**
   * Safe to repeat whatever happened: a read sent with POST (a search with a body, a login). Then
   * dropped connections, timeouts and 5xx are retried as for GET, and a failure is never "may have
   * been applied". Default: true for GET and HEAD only.
   */
  idempotent?: boolean;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined for an empty or non-JSON body. */
  json: T;
  text: string;
}

/**
 * The one way adapters reach a provider: undici with connection reuse (one pool per connection,
 * capped at maxInFlight), connect and response timeouts, undici's retry interceptor driven by our
 * retry policy, a request-rate limit, lenient body parsing, and errors mapped to the contract's
 * codes with credentials redacted. Redirects are never followed, so credentials stay on the host.
 */
export class HttpClient {
  /** Created on first use (warm(), or the first request): loading undici costs about 100 ms that server start-up should not pay. */
  private pool: Promise<{ agent: Agent; dispatcher: Dispatcher }> | undefined;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly limiter: RateLimiter | undefined;
  private readonly retry: RetryPolicy;
  private readonly extraHeaders: Record<string, string> = {};
  private closed: Promise<void> | undefined;

  constructor(private readonly options: HttpClientOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.limiter = options.limiter ?? rateLimiterFor(options.limits);
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /** One pool per connection, capped at maxInFlight, behind undici's retry interceptor. */
  private connectionPool(): Promise<{ agent: Agent; dispatcher: Dispatcher }> {
    this.pool ??= import('undici').then(({ Agent, interceptors }) => {
      const timeouts = this.options.timeouts ?? DEFAULT_TIMEOUTS;
      const agent = new Agent({
        connections: this.options.limits?.maxInFlight ?? 8,
        connect: { timeout: timeouts.connectMs },
        headersTimeout: timeouts.responseMs,
        bodyTimeout: timeouts.responseMs,
        keepAliveTimeout: 10_000,
      });
      return { agent, dispatcher: agent.compose(interceptors.retry({ throwOnError: false })) };
    });
    return this.pool;
  }

  /**
   * Loads undici and builds the pool now, so that the first request does not wait for it; opens no
   * connection. Run once the server has answered `initialize` (src/cli.ts).
   */
  async warm(): Promise<void> {
    await this.connectionPool();
  }

  /** Sets a header sent on every later request (a bearer token obtained at login). */
  setHeader(name: string, value: string | undefined): void {
    if (value === undefined) delete this.extraHeaders[name];
    else this.extraHeaders[name] = value;
  }

  async request<T = unknown>(request: RequestOptions): Promise<HttpResponse<T>> {
    const { method, signal } = request;
    const path = `${this.basePath}${withQuery(request.path, request.query)}`;
    const shownPath = request.path; // what messages name: below the base URL, without the query
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'project-members-mcp',
      ...this.options.headers,
      ...this.extraHeaders,
      ...request.headers,
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    if (signal.aborted) throw cancelled(false);
    const safe = isSafeToRepeat(method, request.idempotent);
    const call = CallBudget.of(signal);
    const what = `${method} ${shownPath}`;
    const startedAt = Date.now();
    let dispatched = false;
    try {
      const { dispatcher } = await this.connectionPool();
      await this.takeTurn(call, signal, what, true);
      dispatched = true;
      const response = await dispatcher.request({
        origin: this.origin,
        path,
        method,
        headers,
        body,
        signal,
        retryOptions: undiciRetryOptions({
          method,
          safe,
          policy: this.retry,
          signal,
          startedAt,
          deadline: call?.deadline,
          beforeAttempt: async (attemptSignal) => this.takeTurn(call, attemptSignal, what, false),
          onRetry: (notice) => {
            const reason = notice.status ? `HTTP ${notice.status}` : notice.code;
            this.options.logger.debug(`${this.options.label}: ${reason} on ${what}; attempt ${notice.attempt} in ${notice.delayMs} ms`);
            return call?.waiting(notice.delayMs, `${this.options.label} to accept ${what} again (${reason})`);
          },
        }),
      } as Dispatcher.RequestOptions);
      const text = await this.readBody(response, what, safe);
      const json = parseJsonLeniently(text, response.headers['content-type']);
      if (response.statusCode >= 200 && response.statusCode < 300) {
        return { status: response.statusCode, headers: response.headers, json: json as T, text };
      }
      throw this.replyError({ status: response.statusCode, method, path: shownPath, headers: response.headers, json, text }, safe);
    } catch (error) {
      if (error instanceof MembersError) throw error;
      // A write cancelled after it was sent may still have been applied by the provider.
      if (signal.aborted || isAbortError(error)) throw cancelled(dispatched && !safe);
      throw this.transportError(error, method, shownPath, safe);
    }
  }

  /** Releases the pool; a second call (two shutdown paths) waits for the first. */
  async close(): Promise<void> {
    this.closed ??= this.pool ? this.pool.then(({ agent }) => agent.close()) : Promise.resolve();
    await this.closed;
  }

  /**
   * The reply body as text, read only up to maxReplyBytes: a larger one (announced, or found while
   * reading) is abandoned and the request fails, so that one reply cannot take the process's memory.
   */
  private async readBody(response: Dispatcher.ResponseData, what: string, safe: boolean): Promise<string> {
    const max = this.options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    const tooLarge = () => {
      response.body.destroy();
      return new MembersError(
        'PROVIDER_ERROR',
        this.redact(`${this.options.label} answered HTTP ${response.statusCode} to ${what} with a reply larger than ${describeBytes(max)}, which is more than this server reads; it was not read.`),
        {
          status: response.statusCode,
          // A write whose reply could not be read: its outcome is decided by reading the state.
          outcomeUnknown: !safe,
          hint: 'Check the base URL (it may point at something other than the provider\'s API); MEMBERS_MCP_MAX_REPLY_BYTES sets the limit.',
        },
      );
    };
    if (Number(headerText(response.headers['content-length'])) > max) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > max) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /**
   * Waits for the rate limit's turn, at most until the call's deadline: a turn that would come
   * later is answered at once with RATE_LIMITED. Each wait is logged (debug) and reported to the
   * call's progress. A first attempt counts as one of the call's requests (retries do not), as
   * soon as it has its turn, so that a refusal in the same tick counts it.
   */
  private async takeTurn(call: CallBudget | undefined, signal: AbortSignal, what: string, firstAttempt: boolean): Promise<void> {
    const limiter = this.limiter;
    const counted = () => {
      if (call && firstAttempt) call.requests += 1;
    };
    if (!limiter) return counted();
    let endWait: (() => void) | undefined;
    try {
      if (limiter.tryAcquire()) return counted();
      await limiter.acquire({
        signal,
        deadline: call?.deadline,
        onWait: (waitMs) => {
          this.options.logger.debug(`${this.options.label}: rate limit ${limiter.status().limit} reached; ${what} waits ${waitMs} ms for its turn`);
          endWait = call?.waiting(waitMs, `the rate limit (${limiter.status().limit}) before ${what}`);
        },
      });
      counted();
    } catch (error) {
      if (error instanceof WaitTooLong && call) throw call.turnTooLate(limiter, error.slotAt);
      if (signal.aborted || isAbortError(error) || error instanceof MembersError) throw error;
      throw new MembersError('PROVIDER_ERROR', `The rate-limit state could not be used: ${error instanceof Error ? error.message : String(error)}.`, {
        hint: 'Check the cache directory, or turn MEMBERS_MCP_SHARE_RATE_LIMIT off.',
        cause: error,
      });
    } finally {
      endWait?.();
    }
  }

  private replyError(raw: ErrorReply, safe: boolean): MembersError {
    // Redacted before anything is cut from it, so that no part of an echoed credential survives a cut.
    const reply = { ...raw, text: this.redact(raw.text) };
    const specific = this.options.describeError?.(reply) ?? {};
    const code = specific.code ?? codeForStatus(reply.status);
    // The provider's own words, when it gave any (the status is said already).
    const detail = specific.message ?? providerMessage(reply.json, reply.text);
    const answered = `${this.options.label} answered HTTP ${reply.status} to ${reply.method} ${reply.path}${detail ? `: ${detail}` : ''}`;
    // Retry-After on a refusal that outlasted our retries: when to call again, in the message and as a field.
    const retryAfterMs = reply.status === 429 || reply.status === 503 ? parseRetryAfter(reply.headers['retry-after']) : undefined;
    const now = Date.now();
    const retry = retryAfterMs === undefined ? undefined : retryMoment(now, now + retryAfterMs);
    const message = retry ? `${answered}${/[.!?]$/.test(answered) ? '' : '.'} It asks to retry at ${retry.text}.` : answered;
    // A server or gateway error on a write says nothing about whether it was applied: a re-read decides.
    const outcomeUnknown = !safe && (reply.status === 500 || reply.status === 502 || reply.status === 504);
    return new MembersError(code, this.redact(message), {
      status: reply.status,
      hint: specific.hint ?? hintForCode(code),
      outcomeUnknown,
      retryAt: retry?.at,
    });
  }

  private transportError(error: unknown, method: HttpMethod, path: string, safe: boolean): MembersError {
    const code = (error as { code?: string }).code;
    const reason = error instanceof Error ? error.message : String(error);
    const where = `${method} ${path} on ${this.origin}`;
    if (isNotSent(code)) {
      return new MembersError(
        code === 'UND_ERR_CONNECT_TIMEOUT' ? 'TIMEOUT' : 'PROVIDER_ERROR',
        this.redact(`Could not reach ${this.options.label} for ${where}: ${reason} (${code}).`),
        { hint: 'Check the base URL and the network; nothing was sent, so the call can simply be retried.', cause: error },
      );
    }
    const unknown = isOutcomeUnknown(method, code, safe);
    const timeout = isTimeoutCode(code);
    return new MembersError(
      timeout ? 'TIMEOUT' : 'PROVIDER_ERROR',
      this.redact(
        `${this.options.label} ${timeout ? 'did not answer in time' : 'dropped the connection'} for ${where}${code ? ` (${code})` : ''}.` +
          (unknown ? ' The change may or may not have been applied.' : ''),
      ),
      { outcomeUnknown: unknown, cause: error },
    );
  }

  private redact(text: string): string {
    return this.options.redactor.redact(text);
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** "32 MiB", "1.5 KiB", "900 bytes". */
function describeBytes(bytes: number): string {
  for (const [unit, size] of [['MiB', 1024 * 1024], ['KiB', 1024]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

function cancelled(outcomeUnknown: boolean): MembersError {
  return outcomeUnknown
    ? new MembersError('CANCELLED', 'The client cancelled the request while a change was in flight; it may or may not have been applied.', { outcomeUnknown })
    : new MembersError('CANCELLED', 'The client cancelled the request; nothing further was sent.');
}

/** JSON when it parses, whatever the content type claims; providers mislabel both ways. */
export function parseJsonLeniently(text: string, contentType: string | string[] | undefined): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const looksJson = /^[[{"]/.test(trimmed) || /json/i.test(headerText(contentType) ?? '');
  if (!looksJson) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** The most specific human message found in an error body of any common shape. */
export function providerMessage(json: unknown, text: string): string {
  if (typeof json === 'string') return json.trim();
  if (json && typeof json === 'object') {
    const record = json as Record<string, unknown>;
    const nested = record.error && typeof record.error === 'object' ? (record.error as Record<string, unknown>) : undefined;
    for (const candidate of [nested?.message, record.message, record.detail, record.title, record.error]) {
      if (typeof candidate === 'string' && candidate.trim() !== '') return candidate.trim();
      if (Array.isArray(candidate) && candidate.every((item) => typeof item === 'string')) return candidate.join('; ');
    }
  }
  const plain = text.trim();
  return plain.length > 300 ? `${plain.slice(0, 300)}…` : plain;
}

export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'AUTH_FAILED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 408) return 'TIMEOUT';
  if (status === 429) return 'RATE_LIMITED';
  return 'PROVIDER_ERROR';
}

function hintForCode(code: ErrorCode): string | undefined {
  switch (code) {
    case 'AUTH_FAILED':
      return 'The provider rejected the credentials: check the API key or token configured for this connection.';
    case 'PERMISSION_DENIED':
      return 'The credentials are valid but lack the right for this operation; use an account with admin or project-manager rights.';
    case 'RATE_LIMITED':
      return 'The provider is still rate-limiting after retries; wait a minute and call again (already-applied changes are reported as such).';
    case 'TIMEOUT':
      return 'The provider did not answer in time; calling again is safe, it only applies what is missing.';
    default:
      return undefined;
  }
}
