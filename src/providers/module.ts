import type { DirectoryCache, DirectoryCacheSettings } from '../core/cache.js';
import type { ProviderKind } from '../core/types.js';
import type { ErrorDescription, ErrorReply, HttpClient, HttpLimits, HttpTimeouts } from '../http/client.js';
import type { RateLimit } from '../http/rate-limit.js';
import type { Redactor } from '../core/redact.js';
import type { RetryPolicy } from '../http/retry.js';
import type { CheckResult, CheckSetup } from './checks.js';
import type { MembershipProvider } from './types.js';

/** One setting of a connection: its key in a config file and its environment variable. */
export interface SettingSpec {
  key: string;
  env: string;
  description: string;
  required?: boolean;
  /** Never printed; the connection registers its value with the redactor, so no message or log line shows it. */
  secret?: boolean;
  default?: string;
}

/** Values of a provider's settings, by SettingSpec key. */
export type SettingValues = Readonly<Record<string, string>>;

/** A connection as configured: settings resolved, HTTP behaviour decided. */
export interface ConnectionConfig {
  name: string;
  kind: ProviderKind;
  sandbox: boolean;
  /** Values of the provider's settings (SettingSpec keys), defaults applied. */
  values: Record<string, string>;
  http: { timeouts: HttpTimeouts; retry: RetryPolicy; limits: HttpLimits; maxReplyBytes?: number };
  /** The connection's directory cache (MEMBERS_MCP_DIRECTORY_CACHE_MS); the default when left out. */
  directoryCache?: DirectoryCacheSettings | undefined;
}

/** What a provider module builds its adapter from: the connection's HTTP client and settings. */
export interface AdapterSetup {
  http: HttpClient;
  values: SettingValues;
  /** Members handled at once where the provider needs one request per member (the connection's cap). */
  concurrency: number;
  /** For secrets learnt later, such as a token obtained at login. */
  redactor: Redactor;
  /** The connection's directory cache: people and lists no membership write changes, for a short while. */
  cache: DirectoryCache;
}

/** Everything the rest of the server needs to know about a provider; one per provider folder. */
export interface ProviderModule {
  kind: ProviderKind;
  /** Human name, e.g. "ProjectManager.com"; messages name the provider this way. */
  label: string;
  /** Prefix of its environment variables, e.g. CLOCKIFY (CLOCKIFY_API_KEY, CLOCKIFY_RATE_LIMIT, …). */
  envPrefix: string;
  settings: SettingSpec[];
  /** Connection limits from the provider's documented limits (overridable per connection). */
  defaultLimits: { maxInFlight: number; rateLimit?: RateLimit | undefined };
  /** Retry behaviour the provider documents, laid over the shared retry policy (a 429 back-off). */
  retry?: Pick<RetryPolicy, 'rateLimitBackoffMs'>;
  /** Checks values beyond presence; returns the problems found. */
  validate?(values: SettingValues): string[];
  /** How the connection's HTTP client reaches the provider; timeouts, retries, limits and redaction are the connection's. */
  http: {
    baseUrl(values: SettingValues): string;
    /** Sent on every request (credentials, an integration name). */
    headers?(values: SettingValues): Record<string, string>;
    /** Maps the provider's error replies to the contract's codes and messages. */
    describeError(reply: ErrorReply): ErrorDescription | undefined;
  };
  /** The adapter, on its typed API over the connection's HTTP client. */
  create(setup: AdapterSetup): MembershipProvider;
  /**
   * The `doctor` checks (in the provider's doctor.ts): reachability, credentials, the permissions
   * membership changes need, and settings that only the provider can judge. Reads only, never writes.
   */
  check(setup: CheckSetup): Promise<CheckResult[]>;
}
