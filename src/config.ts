import { readFileSync } from 'node:fs';
import { DEFAULT_CALL_BUDGET_MS } from './core/budget.js';
import { jsonErrorPosition } from './core/json-position.js';
import { urlForDisplay } from './core/redact.js';
import { PROVIDER_KINDS, type ProviderKind } from './core/types.js';
import { DEFAULT_MAX_REPLY_BYTES, DEFAULT_TIMEOUTS, type HttpTimeouts } from './http/client.js';
import { parseRateLimit, type RateLimit } from './http/rate-limit.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './http/retry.js';
import { sharedLimitDir, sharedLimitFile } from './http/shared-limit.js';
import type { ConnectionConfig, ProviderModule } from './providers/module.js';
import { PROVIDER_MODULES, providerModule } from './providers/registry.js';

/** A configuration mistake that stops the server from starting (a broken config file, a bad number). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A connection that is configured but unusable; tools asked for it answer NOT_CONFIGURED with this. */
export interface ConnectionProblem {
  name: string;
  kind: ProviderKind;
  message: string;
}

export interface LoadedConnections {
  connections: ConnectionConfig[];
  problems: ConnectionProblem[];
}

type Env = Record<string, string | undefined>;

const CONNECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Timeouts, retry budget and the reply size limit shared by every connection. */
export function httpDefaults(env: Env): { timeouts: HttpTimeouts; retry: RetryPolicy; maxReplyBytes: number } {
  return {
    maxReplyBytes: positiveInt(env, 'MEMBERS_MCP_MAX_REPLY_BYTES', DEFAULT_MAX_REPLY_BYTES),
    timeouts: {
      connectMs: positiveInt(env, 'MEMBERS_MCP_CONNECT_TIMEOUT_MS', DEFAULT_TIMEOUTS.connectMs),
      responseMs: positiveInt(env, 'MEMBERS_MCP_TIMEOUT_MS', DEFAULT_TIMEOUTS.responseMs),
    },
    retry: {
      ...DEFAULT_RETRY_POLICY,
      attempts: positiveInt(env, 'MEMBERS_MCP_RETRY_ATTEMPTS', DEFAULT_RETRY_POLICY.attempts),
      budgetMs: positiveInt(env, 'MEMBERS_MCP_RETRY_BUDGET_MS', DEFAULT_RETRY_POLICY.budgetMs),
    },
  };
}

/** How long a tool call may wait for rate limits in all before it answers RATE_LIMITED (MEMBERS_MCP_CALL_BUDGET_MS). */
export function callBudgetMs(env: Env): number {
  return positiveInt(env, 'MEMBERS_MCP_CALL_BUDGET_MS', DEFAULT_CALL_BUDGET_MS);
}

/** Where rate-limit state shared between processes lives, when MEMBERS_MCP_SHARE_RATE_LIMIT is on. */
function sharedStateDir(env: Env): string | undefined {
  return envFlag(env, 'MEMBERS_MCP_SHARE_RATE_LIMIT') ? sharedLimitDir(env) : undefined;
}

/**
 * Connections from the environment (one per provider, named after it) and from an optional JSON
 * file (several accounts of one provider). A file connection wins over an environment one of the
 * same name. The in-process sandbox builds its connections here too, marked `sandbox`.
 */
export function loadConnections(env: Env, configFile?: string, options: { sandbox?: boolean } = {}): LoadedConnections {
  const sandbox = options.sandbox ?? false;
  // The sandbox's simulators live in this process, so its limits are never shared with another.
  const shared = { ...httpDefaults(env), sandbox, stateDir: sandbox ? undefined : sharedStateDir(env) };
  const loaded: LoadedConnections = { connections: [], problems: [] };
  if (configFile) loadFile(configFile, env, shared, loaded);
  for (const module of PROVIDER_MODULES) {
    if (loaded.connections.some((c) => c.name === module.kind) || loaded.problems.some((p) => p.name === module.kind)) continue;
    const values: Record<string, string> = {};
    for (const setting of module.settings) {
      const value = env[setting.env]?.trim();
      if (value) values[setting.key] = value;
    }
    const mentioned = module.settings.some((s) => s.required && values[s.key] !== undefined);
    if (!mentioned) continue;
    addConnection(module, module.kind, values, tuningFromEnv(env, module), shared, loaded);
  }
  return loaded;
}

/**
 * What every connection of one load shares: HTTP timeouts and retry budget, whether it is the
 * sandbox, and where rate-limit state shared between processes lives (undefined: not shared).
 */
type Shared = ReturnType<typeof httpDefaults> & { sandbox: boolean; stateDir: string | undefined };

/**
 * The config file's JSON, or a ConfigError saying why it cannot be read. A syntax error is shown
 * by its line and column only: the file may hold secrets, and the parser's message can quote it.
 */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\ufeff/, ''); // a byte-order mark, as some editors write
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    const at = jsonErrorPosition(text);
    throw new ConfigError(`config file ${path} is not valid JSON: syntax error ${at ? `at line ${at.line}, column ${at.column}` : 'somewhere in it'}`);
  }
}

function loadFile(path: string, env: Env, shared: Shared, loaded: LoadedConnections): void {
  const parsed = readConfigFile(path);
  const list = (parsed as { connections?: unknown } | null)?.connections;
  if (!Array.isArray(list)) throw new ConfigError(`config file ${path}: expected {"connections": [ ... ]}`);
  list.forEach((raw, index) => {
    const where = `config file ${path}, connections[${index}]`;
    if (!raw || typeof raw !== 'object') throw new ConfigError(`${where}: expected an object`);
    const item = raw as Record<string, unknown>;
    const kind = item.provider;
    if (typeof kind !== 'string' || !(PROVIDER_KINDS as readonly string[]).includes(kind)) {
      throw new ConfigError(`${where}: "provider" must be one of ${PROVIDER_KINDS.join(', ')}`);
    }
    const module = providerModule(kind as ProviderKind);
    if (!module) throw new ConfigError(`${where}: provider "${kind}" is not available in this build`);
    const name = item.name ?? kind;
    if (typeof name !== 'string' || !CONNECTION_NAME.test(name)) {
      throw new ConfigError(`${where}: "name" must be letters, digits, "-" or "_" (up to 64)`);
    }
    if (loaded.connections.some((c) => c.name === name)) throw new ConfigError(`${where}: duplicate connection name "${name}"`);
    const values: Record<string, string> = {};
    const known = new Set(['name', 'provider', 'maxInFlight', 'rateLimit', ...module.settings.map((s) => s.key)]);
    for (const key of Object.keys(item)) {
      if (!known.has(key)) throw new ConfigError(`${where}: unknown key "${key}" (known: ${[...known].join(', ')})`);
    }
    for (const setting of module.settings) {
      const value = fileValue(item[setting.key], env, `${where}.${setting.key}`);
      if (value !== undefined) values[setting.key] = value;
    }
    const tuning = {
      maxInFlight: item.maxInFlight === undefined ? undefined : intValue(item.maxInFlight, `${where}.maxInFlight`),
      rateLimit: item.rateLimit === undefined ? undefined : rateValue(String(item.rateLimit), `${where}.rateLimit`),
    };
    addConnection(module, name, values, tuning, shared, loaded);
  });
}

/** A literal string, or {"env": "NAME"} so that secrets can stay out of the file. */
export function fileValue(value: unknown, env: Env, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'object' && typeof (value as { env?: unknown }).env === 'string') {
    return env[(value as { env: string }).env]?.trim() || undefined;
  }
  throw new ConfigError(`${where}: expected a string or {"env": "VARIABLE"}`);
}

interface Tuning {
  maxInFlight?: number | undefined;
  rateLimit?: RateLimit | null | undefined;
}

function tuningFromEnv(env: Env, module: ProviderModule): Tuning {
  const inFlight = env[`${module.envPrefix}_MAX_IN_FLIGHT`];
  const rate = env[`${module.envPrefix}_RATE_LIMIT`];
  return {
    maxInFlight: inFlight === undefined ? undefined : intValue(inFlight, `${module.envPrefix}_MAX_IN_FLIGHT`),
    rateLimit: rate === undefined ? undefined : rateValue(rate, `${module.envPrefix}_RATE_LIMIT`),
  };
}

function addConnection(
  module: ProviderModule,
  name: string,
  provided: Record<string, string>,
  tuning: Tuning,
  shared: Shared,
  loaded: LoadedConnections,
): void {
  const values = { ...provided };
  for (const setting of module.settings) {
    if (values[setting.key] === undefined && setting.default !== undefined) values[setting.key] = setting.default;
  }
  const problems = module.settings
    .filter((setting) => setting.required && values[setting.key] === undefined)
    .map((setting) => `${setting.env} is not set (${setting.description})`);
  for (const setting of module.settings) {
    const value = values[setting.key];
    if (value === undefined) continue;
    // Never the value itself: a secret put in the wrong variable would be printed.
    const problem = /[\u0000-\u001f\u007f]/.test(value)
      ? 'contains a line break or another control character (often a copy-and-paste slip; the value is not shown)'
      : setting.key === 'baseUrl' || setting.key.endsWith('Url')
        ? urlProblem(value)
        : undefined;
    if (problem) problems.push(`${setting.env} ${problem}`);
  }
  if (problems.length === 0) problems.push(...headerProblems(module, values));
  if (problems.length === 0) problems.push(...(module.validate?.(values) ?? []));
  if (problems.length > 0) {
    loaded.problems.push({ name, kind: module.kind, message: `${module.label} connection "${name}": ${problems.join('; ')}` });
    return;
  }
  const rateLimit = tuning.rateLimit === null ? undefined : (tuning.rateLimit ?? module.defaultLimits.rateLimit);
  // Every process configured for the same account (same provider and non-secret settings) finds the same file.
  const identity = Object.fromEntries(module.settings.filter((setting) => !setting.secret).map((setting) => [setting.key, values[setting.key]]));
  loaded.connections.push({
    name,
    kind: module.kind,
    sandbox: shared.sandbox,
    values,
    http: {
      timeouts: shared.timeouts,
      maxReplyBytes: shared.maxReplyBytes,
      retry: { ...shared.retry, ...module.retry },
      limits: {
        maxInFlight: tuning.maxInFlight ?? module.defaultLimits.maxInFlight,
        rateLimit,
        sharedStateFile: rateLimit && shared.stateDir ? sharedLimitFile(shared.stateDir, module.kind, identity) : undefined,
      },
    },
  });
}

/**
 * What is wrong with a base URL, shown as scheme and host only. Credentials, a query or a fragment
 * in it are refused: they would never be sent (requests go to the origin and the path), and they
 * are where a secret in a URL would hide.
 */
function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an http(s) URL (the value is not shown)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http(s) URL, got ${urlForDisplay(text)}`;
  if (url.username || url.password) return `must not hold a user name or password (${urlForDisplay(text)}): credentials go in their own settings`;
  if (url.search || url.hash) return `must not have a query or fragment (${urlForDisplay(text)}…)`;
  return undefined;
}

/**
 * Credentials sent in HTTP headers must be Latin-1 without line breaks, or no request can carry
 * them; found here, that is a configuration problem at start instead of every call failing with
 * a dropped connection. Names the settings whose values the bad header carries, never the values.
 */
function headerProblems(module: ProviderModule, values: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const value of Object.values(module.http.headers?.(values) ?? {})) {
    if (/^[\t\u0020-\u007e\u0080-\u00ff]*$/.test(value)) continue;
    const settings = module.settings.filter((setting) => values[setting.key] !== undefined && value.includes(values[setting.key]!));
    for (const setting of settings) {
      problems.push(`${setting.env} holds characters an HTTP header cannot carry (only Latin-1 is allowed; the value is not shown): check it was copied whole and unchanged`);
    }
  }
  return problems;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? fallback : intValue(raw, name);
}

function intValue(raw: unknown, where: string): number {
  const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${where} must be a positive integer, got "${String(raw)}"`);
  return value;
}

/** null means "explicitly off". */
function rateValue(raw: string, where: string): RateLimit | null {
  try {
    return parseRateLimit(raw) ?? null;
  } catch (error) {
    throw new ConfigError(`${where}: ${(error as Error).message}`);
  }
}

export function envFlag(env: Env, name: string): boolean {
  const value = env[name]?.trim().toLowerCase();
  return value === '1' || value === 'true' || value === 'yes';
}
