import type { ConnectionProblem } from '../config.js';
import type { Connection } from '../connections.js';
import type { RateStatus } from '../core/budget.js';
import type { ProviderKind } from '../core/types.js';
import { CHECK_NAMES, type CheckResult } from '../providers/checks.js';
import { providerModule, requiredEnvSummary } from '../providers/registry.js';

/** ok; warning: usable, with something worth fixing; unusable: membership changes cannot work. */
export type ConnectionStatus = 'ok' | 'warning' | 'unusable';

/** The connection's configured rate limit and what is left of it now (the status the server's instructions report too). */
export interface RateLimitReport {
  /** "30/h", or "off" without a limit. */
  limit: string;
  /** Requests that could start now without waiting. */
  available?: number;
  capacity?: number;
  /** When the next request could start, when that is not now. */
  nextAt?: string;
  /** The state file shared with other processes (MEMBERS_MCP_SHARE_RATE_LIMIT); without it the budget is this process's own. */
  sharedFile?: string;
}

export interface ConnectionReport {
  connection: string;
  provider: ProviderKind;
  /** The provider's name, e.g. "ProjectManager.com". */
  label: string;
  sandbox: boolean;
  status: ConnectionStatus;
  /** The first thing to do, unless the status is ok. */
  fix?: string;
  rateLimit?: RateLimitReport;
  checks: CheckResult[];
}

export interface DoctorReport {
  /** True when every connection is usable (and there is at least one). */
  ok: boolean;
  connections: ConnectionReport[];
  /** Set when nothing is configured. */
  message?: string;
}

/** A checked connection's report: its worst check decides its status. */
export function connectionReport(connection: Connection, checks: CheckResult[]): ConnectionReport {
  const ordered = [...checks].sort((a, b) => CHECK_NAMES.indexOf(a.check) - CHECK_NAMES.indexOf(b.check));
  const worst = ordered.find((c) => c.status === 'failed') ?? ordered.find((c) => c.status === 'warning');
  return {
    connection: connection.name,
    provider: connection.kind,
    label: connection.label,
    sandbox: connection.sandbox,
    status: worst === undefined ? 'ok' : worst.status === 'failed' ? 'unusable' : 'warning',
    ...(worst?.fix ? { fix: worst.fix } : {}),
    rateLimit: rateLimitReport(connection.budgetStatus()),
    checks: ordered,
  };
}

/** A connection whose settings are unusable: nothing was sent; the problem says what to fix. */
export function problemReport(problem: ConnectionProblem): ConnectionReport {
  const label = providerModule(problem.kind)?.label ?? problem.kind;
  // The message starts with `<Label> connection "<name>": `, which the table already shows.
  const what = problem.message.replace(/^[^:]*connection "[^"]*": /, '');
  return {
    connection: problem.name,
    provider: problem.kind,
    label,
    sandbox: false,
    status: 'unusable',
    fix: what,
    checks: [{ check: 'settings', status: 'failed', message: what, fix: 'Fix the setting it names; --help and the README list every setting.' }],
  };
}

export function rateLimitReport(status: RateStatus | undefined): RateLimitReport {
  if (!status) return { limit: 'off' };
  const report: RateLimitReport = { limit: status.limit, available: status.available, capacity: status.capacity };
  if (status.nextAt !== undefined) report.nextAt = new Date(status.nextAt).toISOString();
  if (status.sharedFile) report.sharedFile = status.sharedFile;
  return report;
}

export function doctorReport(connections: ConnectionReport[]): DoctorReport {
  if (connections.length === 0) {
    return {
      ok: false,
      connections,
      message: `No provider connection is configured. Set the variables of the providers you use (${requiredEnvSummary()}), or pass --config FILE; --sandbox checks the demo simulators.`,
    };
  }
  return { ok: connections.every((c) => c.status !== 'unusable'), connections };
}

const MARK: Record<CheckResult['status'], string> = { ok: 'ok', warning: 'warning', failed: 'FAILED' };

/** The report as a person reads it: a summary line, one table row per connection, then each connection's checks. */
export function formatReport(report: DoctorReport): string {
  if (report.message) return `project-members-mcp doctor: ${report.message}\n`;
  const count = (status: ConnectionStatus) => report.connections.filter((c) => c.status === status).length;
  const n = report.connections.length;
  const summary = [`${n} connection${n === 1 ? '' : 's'} checked`, count('unusable') ? `${count('unusable')} unusable` : '', count('warning') ? `${count('warning')} with warnings` : '']
    .filter(Boolean)
    .join(', ');
  const rows = [
    ['CONNECTION', 'PROVIDER', 'STATUS', 'RATE LIMIT', 'WHAT TO FIX'],
    ...report.connections.map((c) => [
      c.connection,
      `${c.label}${c.sandbox ? ' (sandbox)' : ''}`,
      c.status === 'unusable' ? 'UNUSABLE' : c.status,
      c.rateLimit ? rateLimitText(c.rateLimit) : '-',
      c.fix ?? '-',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const table = rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd());
  const details = report.connections.map((c) => {
    const nameWidth = Math.max(...c.checks.map((check) => check.check.length));
    const lines = c.checks.map((check) => `  ${MARK[check.status].padEnd(7)}  ${check.check.padEnd(nameWidth)}  ${check.message}${check.status !== 'ok' && check.fix && check.fix !== c.fix ? ` ${check.fix}` : ''}`);
    return [`${c.connection} (${c.label}${c.sandbox ? ', sandbox' : ''})`, ...lines].join('\n');
  });
  return `project-members-mcp doctor: ${summary}.\n\n${table.join('\n')}\n\n${details.join('\n\n')}\n`;
}

/** "30/h: 12 of 30 left", "30/h: none left until 14:05:12Z", "off". */
export function rateLimitText(rate: RateLimitReport): string {
  if (rate.available === undefined || rate.capacity === undefined) return rate.limit;
  if (rate.available === 0 && rate.nextAt) return `${rate.limit}: none left until ${rate.nextAt.slice(11, 19)}Z`;
  return `${rate.limit}: ${rate.available} of ${rate.capacity} left${rate.sharedFile ? ' (shared)' : ''}`;
}
