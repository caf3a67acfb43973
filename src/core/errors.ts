import type { BudgetFacts } from './budget.js';

/** Error codes of the tool contract (docs/contract.md, "Error codes"). */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_CONFIGURED',
  'UNSUPPORTED',
  'NOT_FOUND',
  'AMBIGUOUS',
  'AUTH_FAILED',
  'PERMISSION_DENIED',
  'RATE_LIMITED',
  'PROVIDER_ERROR',
  'TIMEOUT',
  'CANCELLED',
  'READ_ONLY',
  'LAST_MANAGER',
  'CONFIRMATION_REQUIRED',
  'DECLINED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface MembersErrorOptions {
  hint?: string;
  /** HTTP status the provider answered with, when there was one. */
  status?: number;
  /**
   * The request may have been applied by the provider (the connection broke or timed out
   * after the request was sent). Such a write must be confirmed by reading, never repeated blindly.
   */
  outcomeUnknown?: boolean;
  /** When the call can be retried (epoch ms): a provider's Retry-After, or when the rate limit lets the call fit. */
  retryAt?: number;
  /** The rate-limit facts behind a RATE_LIMITED answer of our own limiter. */
  budget?: BudgetFacts;
  cause?: unknown;
}

/**
 * The one error type that crosses layers. Its message is written for the agent: what was wrong,
 * and (in `hint`) what to do. Messages never contain credentials: the HTTP layer redacts them.
 */
export class MembersError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly status: number | undefined;
  readonly outcomeUnknown: boolean;
  readonly retryAt: number | undefined;
  readonly budget: MembersErrorOptions['budget'];

  constructor(code: ErrorCode, message: string, options: MembersErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MembersError';
    this.code = code;
    this.hint = options.hint;
    this.status = options.status;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
    this.retryAt = options.retryAt;
    this.budget = options.budget;
  }
}

/** Turns anything thrown into a MembersError; unexpected errors become PROVIDER_ERROR. */
export function toMembersError(error: unknown): MembersError {
  if (error instanceof MembersError) return error;
  if (isAbortError(error)) return new MembersError('CANCELLED', 'The request was cancelled before it finished.');
  const message = error instanceof Error ? error.message : String(error);
  return new MembersError('PROVIDER_ERROR', `Unexpected error: ${message}`, { cause: error });
}

export function isAbortError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR')
  );
}

export function cancelledError(): MembersError {
  return new MembersError('CANCELLED', 'The client cancelled the request; nothing further was applied.');
}
