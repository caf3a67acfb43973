import { readFileSync } from 'node:fs';
import { DEFAULT_CALL_BUDGET_MS } from './core/budget.js';
import { DEFAULT_DIRECTORY_CACHE, type DirectoryCacheSettings } from './core/cache.js';
import { PROVIDER_KINDS, type ProviderKind } from './core/types.js';
import { DEFAULT_TIMEOUTS, type HttpTimeouts } from './http/client.js';
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

/** Timeouts and retry budget shared by every connection unless a connection sets its own. */
export function httpDefaults(env: Env): { timeouts: HttpTimeouts; retry: RetryPolicy } {
  return {
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

/**
 * The directory cache of every connection (MEMBERS_MCP_DIRECTORY_CACHE_MS): how long what a
 * provider says about its people serves; 0 or "off" turns it off.
 */
export function directoryCacheSettings(env: Env): DirectoryCacheSettings {
  const raw = env.MEMBERS_MCP_DIRECTORY_CACHE_MS?.trim().toLowerCase();
  if (raw === undefined || raw === '') return DEFAULT_DIRECTORY_CACHE;
  const ttlMs = raw === 'off' ? 0 : Number(raw);
  if (!Number.isInteger(ttlMs) || ttlMs < 0) {
    throw new ConfigError(`MEMBERS_MCP_DIRECTORY_CACHE_MS must be a whole number of milliseconds (0 or "off" turns the cache off), got "${raw}"`);
  }
  return { ...DEFAULT_DIRECTORY_CACHE, ttlMs };
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
  const shared = { ...httpDefaults(env), directoryCache: directoryCacheSettings(env), sandbox, stateDir: sandbox ? undefined : sharedStateDir(env) };
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
 * What every connection of one load shares: HTTP timeouts and retry budget, the directory cache's settings, whether it is the
 * sandbox, and where rate-limit state shared between processes lives (undefined: not shared).
 */
type Shared = ReturnType<typeof httpDefaults> & { directoryCache: DirectoryCacheSettings; sandbox: boolean; stateDir: string | undefined };

/** The config file's JSON, or a ConfigError saying why it cannot be read. */
export function readConfigFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
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
    if (setting.key === 'baseUrl' || setting.key.endsWith('Url')) {
      const url = values[setting.key];
      if (url !== undefined && !isHttpUrl(url)) problems.push(`${setting.env} must be an http(s) URL, got "${url}"`);
    }
  }
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
    directoryCache: shared.directoryCache,
    http: {
      timeouts: shared.timeouts,
      retry: { ...shared.retry, ...module.retry },
      limits: {
        maxInFlight: tuning.maxInFlight ?? module.defaultLimits.maxInFlight,
        rateLimit,
        sharedStateFile: rateLimit && shared.stateDir ? sharedLimitFile(shared.stateDir, module.kind, identity) : undefined,
      },
    },
  });
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
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
