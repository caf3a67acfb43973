import { readFileSync } from 'node:fs';
import { parseLogLevel, type LogLevel } from './core/log.js';
import { DEFAULT_CALL_BUDGET_MS } from './core/budget.js';
import { jsonErrorPosition } from './core/json-position.js';
import { urlForDisplay } from './core/redact.js';
import { DEFAULT_DIRECTORY_CACHE, type DirectoryCacheSettings } from './core/cache.js';
import { PROVIDER_KINDS, type ProviderKind } from './core/types.js';
import { DEFAULT_MAX_REPLY_BYTES, DEFAULT_TIMEOUTS, type HttpTimeouts } from './http/client.js';
import { parseRateLimit, type RateLimit } from './http/rate-limit.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './http/retry.js';
import { sharedLimitDir, sharedLimitFile } from './http/shared-limit.js';
import type { ConnectionConfig, ProviderModule, SettingSpec } from './providers/module.js';
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

/**
 * The directory cache of every connection (MEMBERS_MCP_DIRECTORY_CACHE_MS): how long what a
 * provider says about its people serves; 0 or "off" turns it off.
 */
export function directoryCacheSettings(env: Env): DirectoryCacheSettings {
  const raw = envValue(env, 'MEMBERS_MCP_DIRECTORY_CACHE_MS')?.toLowerCase();
  if (raw === undefined) return DEFAULT_DIRECTORY_CACHE;
  const ttlMs = raw === 'off' ? 0 : Number(raw);
  if (!Number.isInteger(ttlMs) || ttlMs < 0) {
    throw new ConfigError(`MEMBERS_MCP_DIRECTORY_CACHE_MS must be a whole number of milliseconds (0 or "off" turns the cache off), got "${raw}"`);
  }
  return { ...DEFAULT_DIRECTORY_CACHE, ttlMs };
}

/** The log level from --log-level, else MEMBERS_MCP_LOG_LEVEL; a bad one stops the server with one line naming the accepted values. */
export function logLevelSetting(flag: string | undefined, env: Env): LogLevel {
  const [raw, where] = flag !== undefined ? [flag, '--log-level'] : [envValue(env, 'MEMBERS_MCP_LOG_LEVEL'), 'MEMBERS_MCP_LOG_LEVEL'];
  try {
    return parseLogLevel(raw);
  } catch (error) {
    throw new ConfigError(`${where}: ${(error as Error).message}`);
  }
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
      const value = envValue(env, setting.env);
      if (value !== undefined) values[setting.key] = value;
    }
    const mentioned = module.settings.some((s) => s.required && values[s.key] !== undefined);
    if (!mentioned) continue;
    const problems: string[] = [];
    const tuning = {
      maxInFlight: tuningValue(envValue(env, `${module.envPrefix}_MAX_IN_FLIGHT`), `${module.envPrefix}_MAX_IN_FLIGHT`, intValue, problems),
      rateLimit: tuningValue(envValue(env, `${module.envPrefix}_RATE_LIMIT`), `${module.envPrefix}_RATE_LIMIT`, rateValue, problems),
    };
    addConnection({ module, name: module.kind, values, tuning, problems, describe: (setting) => setting.env }, shared, loaded);
  }
  return loaded;
}

/**
 * What every connection of one load shares: HTTP timeouts and retry budget, the directory cache's settings, whether it is the
 * sandbox, and where rate-limit state shared between processes lives (undefined: not shared).
 */
type Shared = ReturnType<typeof httpDefaults> & { directoryCache: DirectoryCacheSettings; sandbox: boolean; stateDir: string | undefined };

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

/**
 * The file's connections. What cannot be tied to one connection (unreadable file, no provider or
 * name, a duplicate name) stops the server; a problem with one connection's settings makes that
 * connection unusable, as a setting from the environment does.
 */
function loadFile(path: string, env: Env, shared: Shared, loaded: LoadedConnections): void {
  const parsed = readConfigFile(path);
  const list = (parsed as { connections?: unknown } | null)?.connections;
  if (!Array.isArray(list)) throw new ConfigError(`config file ${path}: expected {"connections": [ ... ]}`);
  const names = new Set<string>();
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
    if (names.has(name)) throw new ConfigError(`${where}: duplicate connection name "${name}"`);
    names.add(name);

    const problems: string[] = [];
    const known = ['name', 'provider', 'maxInFlight', 'rateLimit', ...module.settings.map((s) => s.key)];
    for (const key of Object.keys(item)) {
      if (!known.includes(key)) problems.push(`unknown key "${key}" in the config file (known: ${known.join(', ')})`);
    }
    const values: Record<string, string> = {};
    /** Settings given as {"env": "NAME"}: messages name the variable the file named. */
    const references: Record<string, string> = {};
    for (const setting of module.settings) {
      const read = fileSetting(item[setting.key], env);
      if ('problem' in read) problems.push(`"${setting.key}" in the config file ${read.problem}`);
      else if (read.value !== undefined) values[setting.key] = read.value;
      if ('variable' in read && read.variable !== undefined) references[setting.key] = read.variable;
    }
    const tuningText = (key: 'maxInFlight' | 'rateLimit'): string | undefined => {
      const value = item[key];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string' && typeof value !== 'number') {
        problems.push(`"${key}" in the config file must be a ${key === 'rateLimit' ? 'string such as "30/h"' : 'number'}`);
        return undefined;
      }
      return String(value).trim() || undefined;
    };
    const tuning = {
      maxInFlight: tuningValue(tuningText('maxInFlight'), '"maxInFlight"', intValue, problems),
      rateLimit: tuningValue(tuningText('rateLimit'), '"rateLimit"', rateValue, problems),
    };
    const describe = (setting: SettingSpec) =>
      references[setting.key] ? `${references[setting.key]} (named by "${setting.key}" in the config file)` : `"${setting.key}"`;
    addConnection({ module, name, values, tuning, problems, describe }, shared, loaded);
  });
}

/** A literal string, or {"env": "NAME"} so that secrets can stay out of the file. Empty means unset. */
export function fileValue(value: unknown, env: Env, where: string): string | undefined {
  const read = fileSetting(value, env);
  if ('problem' in read) throw new ConfigError(`${where} ${read.problem}`);
  return read.value;
}

function fileSetting(value: unknown, env: Env): { value: string | undefined; variable?: string } | { problem: string } {
  if (value === undefined || value === null) return { value: undefined };
  if (typeof value === 'string') return { value: value.trim() || undefined };
  if (typeof value === 'object' && typeof (value as { env?: unknown }).env === 'string') {
    const variable = (value as { env: string }).env;
    return { value: envValue(env, variable), variable };
  }
  return { problem: 'must be a string or {"env": "VARIABLE"}' };
}

/** A variable's value; empty (or only spaces) means unset, as MCP bundles pass fields left empty. */
function envValue(env: Env, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

/** A per-connection tuning value, parsed; a bad one becomes a problem of the connection. */
function tuningValue<T>(raw: string | undefined, what: string, parse: (raw: string, what: string) => T, problems: string[]): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return parse(raw, what);
  } catch (error) {
    problems.push((error as Error).message);
    return undefined;
  }
}

interface Tuning {
  maxInFlight?: number | undefined;
  rateLimit?: RateLimit | null | undefined;
}

/** One connection as read, before its settings are checked. */
interface ConnectionDraft {
  module: ProviderModule;
  name: string;
  values: Record<string, string>;
  tuning: Tuning;
  /** Problems found while reading it (bad tuning, unknown keys). */
  problems: string[];
  /** A setting as the user wrote it: its environment variable, or its key in the config file. */
  describe(setting: SettingSpec): string;
}

function addConnection(draft: ConnectionDraft, shared: Shared, loaded: LoadedConnections): void {
  const { module, name, tuning, describe } = draft;
  const values = { ...draft.values };
  for (const setting of module.settings) {
    if (values[setting.key] === undefined && setting.default !== undefined) values[setting.key] = setting.default;
  }
  const problems = [...draft.problems];
  for (const setting of module.settings) {
    const value = values[setting.key];
    if (value === undefined) {
      if (setting.required) problems.push(`${describe(setting)} is not set (${setting.description})`);
      continue;
    }
    // Never the value itself: a secret put in the wrong variable would be printed.
    const problem = /[\u0000-\u001f\u007f]/.test(value)
      ? 'contains a line break or another control character (often a copy-and-paste slip; the value is not shown)'
      : (placeholderProblem(value, setting.secret === true) ?? (setting.key === 'baseUrl' || setting.key.endsWith('Url') ? urlProblem(value) : undefined));
    if (problem) problems.push(`${describe(setting)} ${problem}`);
  }
  if (problems.length === 0) problems.push(...headerProblems(module, values, describe));
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
 * Why a value is a placeholder rather than a real setting, or undefined. Placeholders are what the
 * example configurations show ("your-clockify-api-key", "https://your-org.us1.gorules.io"), angle
 * brackets ("<org>"), hosts under the reserved .example and .invalid names, and variable references
 * a client left unexpanded ("${env:CLOCKIFY_API_KEY}", "${user_config.…}"). Caught here, a call
 * fails at once with this message instead of retrying an address that does not exist.
 */
export function placeholderProblem(value: string, secret: boolean): string | undefined {
  const host = hostOf(value);
  // A URL as scheme and host only: whatever else it holds is never echoed.
  const shown = secret ? '' : host !== undefined ? ` (${urlForDisplay(value)})` : ` ("${value}")`;
  if (/\$\{[^}]*\}/.test(value)) {
    return `holds a variable reference that the MCP client did not expand${shown}: put the value itself there, or check the client's syntax for variables`;
  }
  if (/(^|[^a-z0-9])your[-_.]/i.test(value) || /<[^<>]+>/.test(value) || (host !== undefined && /\.(example|invalid)$/i.test(host))) {
    return `is still a placeholder from the example configuration${shown}: replace it with your own ${secret ? 'secret' : 'value'}`;
  }
  return undefined;
}

function hostOf(text: string): string | undefined {
  try {
    return new URL(text).hostname;
  } catch {
    return undefined;
  }
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
function headerProblems(module: ProviderModule, values: Record<string, string>, describe: (setting: SettingSpec) => string): string[] {
  const problems: string[] = [];
  for (const value of Object.values(module.http.headers?.(values) ?? {})) {
    if (/^[\t\u0020-\u007e\u0080-\u00ff]*$/.test(value)) continue;
    const settings = module.settings.filter((setting) => values[setting.key] !== undefined && value.includes(values[setting.key]!));
    for (const setting of settings) {
      problems.push(`${describe(setting)} holds characters an HTTP header cannot carry (only Latin-1 is allowed; the value is not shown): check it was copied whole and unchanged`);
    }
  }
  return problems;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = envValue(env, name);
  return raw === undefined ? fallback : intValue(raw, name);
}

function intValue(raw: string, where: string): number {
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${where} must be a positive integer, got "${raw}"`);
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
