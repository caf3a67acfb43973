import { retryMoment, type CallBudgetView, type DryRunBudget } from '../core/budget.js';
import { MembersError } from '../core/errors.js';
import type { RateLimiter } from './rate-limit.js';

/** Progress heartbeats while a long wait lasts, so that the client sees the call is alive. */
const HEARTBEAT_MS = 5_000;

export interface CallBudgetOptions {
  /** The connection's name, for messages. */
  connection: string;
  /** The call's signal: every request of the call carries it, which is how the HTTP client finds this budget. */
  signal: AbortSignal;
  startedAt: number;
  budgetMs: number;
  /** The connection's limiter; undefined when it has no rate limit. */
  limiter?: RateLimiter | undefined;
  /** Told about each wait (drives MCP progress notifications). */
  onWait?: ((message: string) => void) | undefined;
  clock?: () => number;
}

const budgets = new WeakMap<AbortSignal, CallBudget>();

/**
 * One tool call's time budget and request count. The call may wait for the connection's rate
 * limit only until its deadline (startedAt + budgetMs): a turn that would come later is answered
 * at once with RATE_LIMITED, saying when the call would fit. It travels with the call's abort
 * signal, so that the HTTP client finds it without every typed API call passing it along.
 */
export class CallBudget implements CallBudgetView {
  readonly deadline: number;
  /** Requests this call has started (first attempts; retries are not counted). */
  requests = 0;
  /** Requests the adapter planned before its first write: its writes and their confirming read (see planWrites). */
  plannedWrites = 0;
  private readonly clock: () => number;

  constructor(private readonly options: CallBudgetOptions) {
    this.deadline = options.startedAt + options.budgetMs;
    this.clock = options.clock ?? Date.now;
    budgets.set(options.signal, this);
  }

  /** The budget of the call a request belongs to, found through its signal. */
  static of(signal: AbortSignal): CallBudget | undefined {
    return budgets.get(signal);
  }

  /**
   * Before the first write: the requests the call has planned (its writes and the read that
   * confirms them). A real call that the connection's limit cannot fit before the deadline is
   * refused here, before it changes anything; a dry run only records them for its report.
   */
  planWrites(count: number, dryRun: boolean): void {
    this.plannedWrites = count;
    const limiter = this.options.limiter;
    if (dryRun || !limiter || count <= 0) return;
    if (limiter.lastTurn(count) <= this.deadline) return;
    throw this.refusal(limiter, this.requests + count, count);
  }

  /** A wait begins: the client hears of it now and every few seconds while it lasts. Returns the function that ends it. */
  waiting(waitMs: number, reason: string): () => void {
    const onWait = this.options.onWait;
    if (!onWait || waitMs <= 0) return () => {};
    const endsAt = this.clock() + waitMs;
    onWait(`Waiting ${seconds(waitMs)} for ${reason}.`);
    const heartbeat = setInterval(() => onWait(`Still waiting for ${reason}: ${seconds(Math.max(0, endsAt - this.clock()))} left.`), HEARTBEAT_MS);
    heartbeat.unref();
    return () => clearInterval(heartbeat);
  }

  /** The RATE_LIMITED answer when the next request's turn on `limiter` (at `turnAt`) comes after the deadline. */
  turnTooLate(limiter: RateLimiter, turnAt: number): MembersError {
    return this.refusal(limiter, this.requests + 1, 0, turnAt);
  }

  /** What a dry run reports: the requests the real call takes (those just made, plus the planned writes) and whether they fit now. */
  dryRunReport(): DryRunBudget {
    const requests = this.requests + this.plannedWrites;
    const limiter = this.options.limiter;
    if (!limiter) return { limit: 'off', requests, fits: true };
    const now = this.clock();
    const status = limiter.status();
    const fitAt = limiter.earliestFit(requests, this.options.budgetMs);
    const report: DryRunBudget = { limit: status.limit, requests, available: status.available, fits: fitAt <= now };
    if (!report.fits) {
      const retry = retryMoment(now, Number.isFinite(fitAt) ? fitAt : limiter.earliestFit(limiter.maxPerSpan(this.options.budgetMs), this.options.budgetMs));
      report.retryAt = new Date(retry.at).toISOString();
      report.retryAfterSeconds = retry.seconds;
    }
    return report;
  }

  /**
   * RATE_LIMITED with the numbers an agent needs: the limit and what is left, the requests the call
   * needed, and when the whole call would fit (retryAt). `planned` > 0 means refused before any write.
   */
  private refusal(limiter: RateLimiter, needed: number, planned: number, turnAt?: number): MembersError {
    const now = this.clock();
    const status = limiter.status();
    const budgetMs = this.options.budgetMs;
    const most = limiter.maxPerSpan(budgetMs);
    const tooBig = needed > most;
    const fitAt = limiter.earliestFit(tooBig ? most : needed, budgetMs);
    const retry = retryMoment(now, Number.isFinite(fitAt) ? fitAt : (status.nextAt ?? now));
    const where = `connection "${this.options.connection}" (rate limit ${status.limit}, ${status.available} of ${status.capacity} requests left now)`;
    const waitLimit = `this call may wait ${seconds(budgetMs)} in all`;
    const made = planned > 0 ? `${this.requests} made to read the current state, ${planned} planned to write and confirm` : `${this.requests} made`;
    const count = `${planned > 0 ? '' : 'at least '}${needed} requests (${made})`;
    let message: string;
    if (tooBig) {
      message = `${planned > 0 ? 'Refused before any change: t' : 'T'}his call needs ${count}, more than one call can make on ${where}: at most ${most} within ${seconds(budgetMs)}. Split it into smaller calls. Retry at ${retry.text}.`;
    } else if (planned > 0) {
      const last = limiter.lastTurn(planned);
      message = `Refused before any change: this call needs ${count} on ${where}; the last would start only at ${new Date(last).toISOString()}, and ${waitLimit}. Retry at ${retry.text}, when the whole call fits.`;
    } else {
      const turn = turnAt ?? status.nextAt ?? now;
      message = `Rate limit reached on ${where}: this call needed ${count}, and the next could start only at ${new Date(turn).toISOString()}, while ${waitLimit}. Retry at ${retry.text}.`;
    }
    return new MembersError('RATE_LIMITED', message, {
      hint: 'Call again after retryAt (a dry run reports how many requests a call takes and whether they fit). The wait limit is MEMBERS_MCP_CALL_BUDGET_MS; keep it below the client\'s request timeout.',
      retryAt: retry.at,
      budget: { limit: status.limit, requests: needed, available: status.available },
    });
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
