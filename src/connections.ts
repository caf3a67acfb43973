import type { ConnectionProblem } from './config.js';
import type { CallBudgetView, RateStatus } from './core/budget.js';
import { DirectoryCache } from './core/cache.js';
import { MembersError } from './core/errors.js';
import { KeyedLocks } from './core/locks.js';
import type { Logger } from './core/log.js';
import type { Redactor } from './core/redact.js';
import type { ProviderKind } from './core/types.js';
import { CallBudget } from './http/budget.js';
import { HttpClient } from './http/client.js';
import type { RateLimiter } from './http/rate-limit.js';
import { rateLimiterFor } from './http/shared-limit.js';
import type { CheckResult } from './providers/checks.js';
import type { ConnectionConfig, ProviderModule } from './providers/module.js';
import { providerModule, requiredEnvSummary } from './providers/registry.js';
import type { MembershipProvider } from './providers/types.js';

export interface ConnectionDeps {
  logger: Logger;
  redactor: Redactor;
}

/**
 * A configured provider account, ready to use. It owns the HTTP client its adapter talks
 * through, built from the provider module's description, and registers the secret settings
 * with the redactor before anything can be sent or logged.
 */
export class Connection {
  readonly name: string;
  readonly kind: ProviderKind;
  /** Provider's human name ("Clockify"). */
  readonly label: string;
  readonly sandbox: boolean;
  readonly provider: MembershipProvider;
  /** The connection's request-rate limiter, shared by its HTTP client and its calls' budgets; undefined without a limit. */
  readonly limiter: RateLimiter | undefined;
  /** Turns on its projects for calls of this process that change them (holdProject). */
  readonly locks = new KeyedLocks();
  /** What the provider says about its people, kept for a short while (MEMBERS_MCP_DIRECTORY_CACHE_MS). */
  readonly directoryCache: DirectoryCache;
  private readonly http: HttpClient;
  private readonly module: ProviderModule;
  private readonly config: ConnectionConfig;
  private readonly redactor: Redactor;

  constructor(config: ConnectionConfig, { logger, redactor }: ConnectionDeps) {
    const module = providerModule(config.kind);
    if (!module) throw new Error(`no provider module for ${config.kind}`);
    for (const setting of module.settings) if (setting.secret) redactor.add(config.values[setting.key]);
    this.name = config.name;
    this.kind = config.kind;
    this.label = module.label;
    this.sandbox = config.sandbox;
    this.module = module;
    this.config = config;
    this.redactor = redactor;
    this.limiter = rateLimiterFor(config.http.limits);
    this.http = new HttpClient({
      label: module.label,
      baseUrl: module.http.baseUrl(config.values),
      headers: module.http.headers?.(config.values),
      redactor,
      logger,
      ...config.http, // timeouts, retry budget and limits
      limiter: this.limiter,
      describeError: module.http.describeError,
    });
    this.directoryCache = new DirectoryCache(config.directoryCache);
    this.provider = module.create({ http: this.http, values: config.values, concurrency: config.http.limits.maxInFlight, redactor, cache: this.directoryCache });
  }

  /** The configured limit and what is left of it now (for the instructions and `doctor`); undefined without a limit. */
  budgetStatus(): RateStatus | undefined {
    return this.limiter?.status();
  }

  /**
   * One tool call's budget on this connection's rate limit: waits end at startedAt + budgetMs,
   * later turns answer RATE_LIMITED. Every request made with `signal` counts against it.
   */
  callBudget(call: { signal: AbortSignal; startedAt: number; budgetMs: number; onWait?: ((message: string) => void) | undefined }): CallBudgetView {
    return new CallBudget({ ...call, connection: this.name, limiter: this.limiter });
  }

  /** Gets ready for the first call: its HTTP client's undici and pool (nothing is sent). */
  async preload(): Promise<void> {
    await this.http.warm();
  }

  /** The `doctor` checks of its provider (reachability, credentials, permissions, settings): reads only. */
  check(signal: AbortSignal): Promise<CheckResult[]> {
    const { values, http } = this.config;
    return this.module.check({ http: this.http, values, redactor: this.redactor, signal, rateLimit: http.limits.rateLimit });
  }

  /** Releases pooled connections. */
  async close(): Promise<void> {
    await this.http.close();
  }
}

/** The connections a server works with, and the lookup every tool call starts with. */
export class Connections {
  constructor(
    readonly list: readonly Connection[],
    readonly problems: readonly ConnectionProblem[] = [],
  ) {}

  static create(configs: readonly ConnectionConfig[], problems: readonly ConnectionProblem[], deps: ConnectionDeps): Connections {
    return new Connections(
      configs.map((config) => new Connection(config, deps)),
      problems,
    );
  }

  /** The connection a call names, or the only one when it names none. */
  resolve(name: string | undefined): Connection {
    if (name !== undefined) {
      const found = this.list.find((connection) => connection.name === name);
      if (found) return found;
      const problem = this.problems.find((p) => p.name === name);
      if (problem) throw new MembersError('NOT_CONFIGURED', `Connection "${name}" is configured but unusable: ${problem.message}.`, { hint: configureHint() });
      throw new MembersError(
        'NOT_CONFIGURED',
        this.list.length === 0
          ? `No connection named "${name}": no provider connection is configured.`
          : `No connection named "${name}". Configured: ${this.describe()}.`,
        { hint: this.list.length === 0 ? configureHint() : 'Pass one of the configured names as provider.' },
      );
    }
    if (this.list.length === 1) return this.list[0]!;
    if (this.list.length === 0) {
      const problems = this.problems.map((p) => p.message).join(' ');
      throw new MembersError('NOT_CONFIGURED', `No provider connection is configured.${problems ? ` ${problems}.` : ''}`, {
        hint: configureHint(),
      });
    }
    throw new MembersError('INVALID_ARGUMENT', `provider is required: ${this.list.length} connections are configured: ${this.describe()}.`, {
      hint: 'Pass the connection name as provider.',
    });
  }

  /**
   * Loads what the first tool call needs and start-up did not (undici, each connection's pool),
   * without contacting any provider. Failures are left to the call that needs it to report.
   */
  async preload(): Promise<void> {
    await Promise.all(this.list.map((connection) => connection.preload().catch(() => undefined)));
  }

  describe(): string {
    return this.list.map((connection) => `${connection.name} (${connection.kind}${connection.sandbox ? ', sandbox' : ''})`).join(', ');
  }

  async close(): Promise<void> {
    await Promise.all(this.list.map((connection) => connection.close()));
  }
}

function configureHint(): string {
  return `Set the environment variables of a provider (${requiredEnvSummary()}) in the MCP client's server configuration, or start the server with --sandbox to try it on demo data.`;
}
