import { loadConnections, type LoadedConnections } from '../config.js';
import { Connections, type Connection } from '../connections.js';
import { toMembersError } from '../core/errors.js';
import { isLoopbackHost } from '../core/hosts.js';
import type { Logger } from '../core/log.js';
import { formatRateLimit } from '../http/rate-limit.js';
import type { CheckResult } from '../providers/checks.js';
import type { ConnectionConfig } from '../providers/module.js';
import { providerModule } from '../providers/registry.js';
import { connectionReport, doctorReport, formatReport, problemReport, type DoctorReport } from './report.js';

type Env = Record<string, string | undefined>;

export interface DoctorOptions {
  env: Env;
  configFile?: string | undefined;
  /** Check the in-process sandbox's simulators instead of the configured connections. */
  sandbox: boolean;
  json: boolean;
  logger: Logger;
  write(text: string): void;
}

/** The longest the checks of one connection may take in all. */
const CHECK_TIMEOUT_MS = 60_000;
/** The longest a check waits for the connection's rate limit before reporting it spent (a warning). */
const RATE_WAIT_MS = 10_000;

export const DOCTOR_USAGE = `Usage: project-members-mcp doctor [--json] [--sandbox] [--config FILE] [--log-level LEVEL]
       (also: project-members-mcp --doctor …)

Checks each configured connection without changing anything: its settings, that the provider
answers, that the credentials are accepted, and that the account has the permissions membership
changes need. Prints a table (connection, provider, status, rate limit, what to fix) and each
connection's checks; exits with 1 when a connection is unusable or none is configured.

  --json       the report as one JSON object, for scripts
  --sandbox    check the in-process simulators (demo data)
  --config     connections from a JSON file, as the server reads it (also MEMBERS_MCP_CONFIG)`;

/**
 * `project-members-mcp doctor`: every connection checked at once (reads only), one report, an exit
 * code (0 when every connection is usable, 1 when one is not or none is configured).
 */
export async function runDoctor(options: DoctorOptions): Promise<number> {
  const { env, logger } = options;
  let loaded: LoadedConnections;
  let stopSandbox: (() => Promise<void>) | undefined;
  if (options.sandbox) {
    const { sandboxConnections, startSandbox } = await import('../sandbox/index.js');
    const sandbox = await startSandbox();
    stopSandbox = () => sandbox.stop();
    loaded = sandboxConnections(sandbox, env);
  } else {
    loaded = loadConnections(env, options.configFile);
  }
  const configs = loaded.connections.map(quickToAnswer);
  const connections = Connections.create(configs, loaded.problems, { logger, redactor: logger.redactor });
  try {
    const checked = await Promise.all(
      connections.list.map(async (connection, index) => connectionReport(connection, [...settingsChecks(configs[index]!), ...(await checkConnection(connection))])),
    );
    const report: DoctorReport = doctorReport([...checked, ...loaded.problems.map(problemReport)]);
    options.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.ok ? 0 : 1;
  } finally {
    await connections.close().catch(() => undefined);
    await stopSandbox?.().catch(() => undefined);
  }
}

/**
 * A doctor answers in seconds: fewer and shorter retries than a tool call gets, so that an
 * unreachable host is reported at once rather than after the whole retry budget.
 */
function quickToAnswer(config: ConnectionConfig): ConnectionConfig {
  const { timeouts, retry } = config.http;
  return {
    ...config,
    http: {
      ...config.http,
      timeouts: { connectMs: Math.min(timeouts.connectMs, 5_000), responseMs: Math.min(timeouts.responseMs, 15_000) },
      retry: { ...retry, attempts: Math.min(retry.attempts, 2), budgetMs: Math.min(retry.budgetMs, 5_000) },
    },
  };
}

/** What the settings say before anything is sent: where the connection goes, and how fast. */
function settingsChecks(config: ConnectionConfig): CheckResult[] {
  const module = providerModule(config.kind)!;
  const url = new URL(module.http.baseUrl(config.values));
  const { rateLimit, maxInFlight } = config.http.limits;
  const summary = `${url.href.replace(/\/$/, '')}, rate limit ${rateLimit ? formatRateLimit(rateLimit) : 'off'}, up to ${maxInFlight} requests at once.`;
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    const setting = module.settings.find((s) => s.key === 'baseUrl')?.env ?? 'the base URL';
    return [{ check: 'settings', status: 'warning', message: `${summary} Plain http: the credentials cross the network unencrypted.`, fix: `Use the https address in ${setting}.` }];
  }
  return [{ check: 'settings', status: 'ok', message: summary }];
}

/** The provider's checks, bounded in time and in rate-limit waits; never throws. */
async function checkConnection(connection: Connection): Promise<CheckResult[]> {
  const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
  // Its requests count against the connection's rate limit, and wait for it no longer than this.
  connection.callBudget({ signal, startedAt: Date.now(), budgetMs: RATE_WAIT_MS });
  try {
    const results = await connection.check(signal);
    if (!signal.aborted) return results;
    return [
      ...results.filter((result) => result.status !== 'failed'),
      { check: 'reachable', status: 'failed', message: `The checks did not finish within ${CHECK_TIMEOUT_MS / 1000} s.`, fix: `${connection.label} answers too slowly, or not at all: check the address and the network.` },
    ];
  } catch (error) {
    // A provider's check reports what it finds; anything thrown is unexpected, and reported as such.
    return [{ check: 'reachable', status: 'failed', message: `The check failed unexpectedly: ${toMembersError(error).message}`, fix: 'Run again with --log-level debug, and report it if it persists.' }];
  }
}
