import { toMembersError, type MembersError } from '../core/errors.js';
import { urlForDisplay, type Redactor } from '../core/redact.js';
import type { HttpClient } from '../http/client.js';
import type { RateLimit } from '../http/rate-limit.js';

/** What `doctor` checks on each connection, in this order. */
export const CHECK_NAMES = ['settings', 'reachable', 'credentials', 'permissions'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** ok; warning: works, with a limit worth knowing; failed: membership changes cannot work until it is fixed. */
export type CheckStatus = 'ok' | 'warning' | 'failed';

export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  /** What was found, in a sentence. */
  message: string;
  /** What to do about it (warnings and failures). */
  fix?: string;
}

/** What a provider's check works with: the connection's HTTP client and settings; it only reads. */
export interface CheckSetup {
  http: HttpClient;
  /** The connection's settings, by SettingSpec key, defaults applied. */
  values: Readonly<Record<string, string>>;
  /** For secrets learnt on the way, such as a token obtained at login. */
  redactor: Redactor;
  signal: AbortSignal;
  /** The connection's request-rate limit, for checks that compare it with the account (Clockify's free plan). */
  rateLimit: RateLimit | undefined;
}

/** A connection's check results, gathered as a provider's check goes. */
export class CheckList {
  readonly results: CheckResult[] = [];

  ok(check: CheckName, message: string): void {
    this.results.push({ check, status: 'ok', message });
  }

  warn(check: CheckName, message: string, fix: string): void {
    this.results.push({ check, status: 'warning', message, fix });
  }

  fail(check: CheckName, message: string, fix: string): void {
    this.results.push({ check, status: 'failed', message, fix });
  }

  get failed(): boolean {
    return this.results.some((result) => result.status === 'failed');
  }

  /**
   * The first request: its success says the provider answers at the base URL; its failure is put
   * under the check it belongs to. Returns undefined when it failed (the check stops there).
   */
  async reach<T>(request: () => Promise<T>, where: { label: string; baseUrl: string; baseUrlSetting: string }): Promise<T | undefined> {
    try {
      const value = await request();
      this.ok('reachable', `${where.label} answers at ${where.baseUrl}.`);
      return value;
    } catch (error) {
      const failure = toMembersError(error);
      const status = failure.status;
      if (failure.code === 'RATE_LIMITED') {
        this.failure('reachable', failure);
      } else if (status === undefined && failure.code !== 'AUTH_FAILED' && failure.code !== 'PERMISSION_DENIED') {
        // Nothing came back: no connection, a timeout, or the check's own time ran out.
        this.fail('reachable', failure.message, `Check ${where.baseUrlSetting} (${urlForDisplay(where.baseUrl)}) and that ${where.label} can be reached from this machine (network, proxy, firewall).`);
      } else if (failure.code === 'NOT_FOUND' || (status !== undefined && status >= 300 && status < 400)) {
        this.fail('reachable', `${failure.message}: the address does not look like ${where.label}'s API.`, failure.hint ?? `Check ${where.baseUrlSetting}.`);
      } else if (status !== undefined && status >= 500) {
        this.fail('reachable', failure.message, `${where.label} is failing at ${urlForDisplay(where.baseUrl)}; try again later, or check ${where.baseUrlSetting}.`);
      } else {
        this.ok('reachable', `${where.label} answers at ${where.baseUrl}.`);
        this.failure(failure.code === 'PERMISSION_DENIED' ? 'permissions' : 'credentials', failure);
      }
      return undefined;
    }
  }

  /**
   * A failed request under `check`. A spent rate limit is a warning: nothing is wrong, the check
   * could not finish now. Anything else fails the check with the provider's answer.
   */
  failure(check: CheckName, error: unknown): void {
    const failure: MembersError = toMembersError(error);
    if (failure.code === 'RATE_LIMITED') {
      this.warn(check, `Not checked: ${failure.message}`, 'Run doctor again once the rate limit allows, or check less often.');
    } else {
      this.fail(check, failure.message, failure.hint ?? 'See the message.');
    }
  }
}
