import type { ConnectionProblem } from './config.js';
import { MembersError } from './core/errors.js';
import type { ProviderKind } from './core/types.js';
import { MemoryStartLog, RateLimiter, type RateStatus } from './http/rate-limit.js';
import { FileStartLog } from './http/shared-limit.js';
import type { ConnectionConfig, ProviderDeps } from './providers/module.js';
import { providerModule, requiredEnvSummary } from './providers/registry.js';
import type { MembershipProvider } from './providers/types.js';

/** A configured provider account, ready to use. */
export interface Connection {
  name: string;
  kind: ProviderKind;
  /** Provider's human name ("Clockify"). */
  label: string;
  sandbox: boolean;
  provider: MembershipProvider;
  /** The connection's request-rate limiter; undefined when it has no limit. */
  limiter?: RateLimiter | undefined;
  /** The configured limit and what is left of it now (for the instructions and `doctor`); undefined without a limit. */
  budgetStatus(): RateStatus | undefined;
}

/** The connections a server works with, and the lookup every tool call starts with. */
export class Connections {
  constructor(
    readonly list: readonly Connection[],
    readonly problems: readonly ConnectionProblem[] = [],
  ) {}

  static create(configs: readonly ConnectionConfig[], problems: readonly ConnectionProblem[], deps: ProviderDeps): Connections {
    const list = configs.map((config): Connection => {
      const module = providerModule(config.kind);
      if (!module) throw new Error(`no provider module for ${config.kind}`);
      const { rateLimit, sharedStateFile } = config.http.limits;
      const limiter = rateLimit ? new RateLimiter(rateLimit, sharedStateFile ? new FileStartLog(sharedStateFile) : new MemoryStartLog()) : undefined;
      const provider = module.create({ ...config, http: { ...config.http, limiter } }, deps);
      return { name: config.name, kind: config.kind, label: module.label, sandbox: config.sandbox, provider, limiter, budgetStatus: () => limiter?.status() };
    });
    return new Connections(list, problems);
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

  describe(): string {
    return this.list.map((connection) => `${connection.name} (${connection.kind}${connection.sandbox ? ', sandbox' : ''})`).join(', ');
  }

  async close(): Promise<void> {
    await Promise.all(this.list.map((connection) => connection.provider.close()));
  }
}

function configureHint(): string {
  return `Set the environment variables of a provider (${requiredEnvSummary()}) in the MCP client's server configuration, or start the server with --sandbox to try it on demo data.`;
}
