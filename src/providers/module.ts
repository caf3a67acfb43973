import type { ProviderKind } from '../core/types.js';
import type { HttpLimits, HttpTimeouts } from '../http/client.js';
import type { RateLimit, RateLimiter } from '../http/rate-limit.js';
import type { Redactor } from '../http/redact.js';
import type { RetryPolicy } from '../http/retry.js';
import type { Logger } from '../log.js';
import type { MembershipProvider } from './types.js';

/** One setting of a connection: its key in a config file and its environment variable. */
export interface SettingSpec {
  key: string;
  env: string;
  description: string;
  required?: boolean;
  /** Never printed, and redacted from every message and log line. */
  secret?: boolean;
  default?: string;
}

/** A connection as configured: settings resolved, HTTP behaviour decided. */
export interface ConnectionConfig {
  name: string;
  kind: ProviderKind;
  sandbox: boolean;
  /** Values of the provider's settings (SettingSpec keys), defaults applied. */
  values: Record<string, string>;
  /** `limiter` is built by Connections.create from `limits`, and shared by the HTTP client and the calls' budgets. */
  http: { timeouts: HttpTimeouts; retry: RetryPolicy; limits: HttpLimits; limiter?: RateLimiter | undefined };
}

export interface ProviderDeps {
  logger: Logger;
  redactor: Redactor;
}

/** Everything the rest of the server needs to know about a provider; one per provider folder. */
export interface ProviderModule {
  kind: ProviderKind;
  /** Human name, e.g. "ProjectManager.com". */
  label: string;
  /** Prefix of its environment variables, e.g. CLOCKIFY (CLOCKIFY_API_KEY, CLOCKIFY_RATE_LIMIT, …). */
  envPrefix: string;
  settings: SettingSpec[];
  /** Connection limits from the provider's documented limits (overridable per connection). */
  defaultLimits: { maxInFlight: number; rateLimit?: RateLimit | undefined };
  /** Checks values beyond presence; returns the problems found. */
  validate?(values: Record<string, string>): string[];
  create(config: ConnectionConfig, deps: ProviderDeps): MembershipProvider;
}
