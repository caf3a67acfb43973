/**
 * A tool call's rate-limit budget as every layer sees it: adapters plan their writes on it, tools
 * report it in dry runs, the MCP server puts its retry time in the error envelope. The budget
 * itself is kept by the HTTP client beside the connection's limiter (http/budget.ts).
 */

/**
 * How long one tool call may take in waits for the rate limit before it answers instead
 * (MEMBERS_MCP_CALL_BUDGET_MS). Below the 60 s after which the MCP SDK's client gives up on a
 * request by default, leaving time for the requests after the last wait.
 */
export const DEFAULT_CALL_BUDGET_MS = 45_000;

/** The rate-limit facts of an answer: the limit, the requests a call takes, and what is left now. */
export interface BudgetFacts {
  /** The connection's limit ("30/h"), or "off". */
  limit: string;
  /** Requests the call takes (a dry run) or needed (a refusal); retries not counted. */
  requests: number;
  /** Requests the connection could start now without waiting; absent without a limit. */
  available?: number;
}

/** What a dry run reports as `budget`: the facts, and whether the real call fits now. */
export interface DryRunBudget extends BudgetFacts {
  /** The real call could run now without waiting past the call budget. */
  fits: boolean;
  /** When it would fit, when it does not now. */
  retryAt?: string;
  retryAfterSeconds?: number;
}

/** One call's budget on its connection's rate limit, as adapters and tools use it. */
export interface CallBudgetView {
  /**
   * Before the first write: the requests the call plans, its writes and the read that confirms
   * them. A real call that the limit cannot fit before its deadline is refused with RATE_LIMITED; a
   * dry run only records them.
   */
  planWrites(requests: number, dryRun: boolean): void;
  /** The requests the real call takes (made so far plus planned) and whether they fit now. */
  dryRunReport(): DryRunBudget;
}

/** The connection's configured limit and what is left of it now, as the instructions report it. */
export interface RateStatus {
  /** The configured limit, e.g. "30/h". */
  limit: string;
  /** Requests allowed per window. */
  capacity: number;
  windowMs: number;
  /** Requests that could start now without waiting. */
  available: number;
  /** Requests of this process waiting for their turn. */
  queued: number;
  /** When the next request could start, when that is not now (epoch ms). */
  nextAt?: number;
  /** The state file shared with other processes, when sharing is on. */
  sharedFile?: string;
}

/**
 * A retry time rounded up to a whole number of seconds from now (at least one), so that the
 * seconds in a message and the retryAfterSeconds computed from retryAt a moment later agree.
 */
export function retryMoment(now: number, at: number): { at: number; seconds: number; text: string } {
  const seconds = secondsUntil(at, now);
  const rounded = now + seconds * 1000;
  return { at: rounded, seconds, text: `${new Date(rounded).toISOString()} (in ${seconds} s)` };
}

/** Seconds until `at` as the error envelope reports them (see retryMoment). */
export function secondsUntil(at: number, now: number = Date.now()): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
