import { ConfigError, fileValue, readConfigFile } from '../config.js';
import { isLoopbackHost } from '../core/hosts.js';
import { urlForDisplay } from '../core/redact.js';
import type { Logger } from '../core/log.js';
import { HttpAuth, type OAuthSettings } from './auth.js';
import { McpHttpServer } from './http.js';
import type { Server } from './sdk.js';

type Env = Record<string, string | undefined>;

export const DEFAULT_HTTP_PORT = 3000;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_SHUTDOWN_MS = 20_000;
const MIN_TOKEN_LENGTH = 16;
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Everything the HTTP transport is configured with, checked. */
export interface HttpSettings {
  host: string;
  port: number;
  tokens: string[];
  oauth?: OAuthSettings | undefined;
  /** The MCP endpoint as clients reach it (behind a proxy or balancer); the OAuth resource. */
  publicUrl?: URL | undefined;
  allowedHosts: string[];
  allowedOrigins: string[];
  maxBodyBytes: number;
  shutdownMs: number;
}

/** The `http` section of the config file; every field optional. */
interface FileSection {
  host?: unknown;
  port?: unknown;
  tokens?: unknown;
  publicUrl?: unknown;
  allowedHosts?: unknown;
  allowedOrigins?: unknown;
  maxBodyBytes?: unknown;
  shutdownMs?: unknown;
  oauth?: { issuer?: unknown; jwksUrl?: unknown; scopes?: unknown };
}

/**
 * HTTP settings from flags, then the environment, then the config file's `http` section. Tokens
 * from the environment and the file are both accepted. Refuses to listen beyond loopback without
 * authentication.
 */
export function loadHttpSettings(flags: { port?: string | undefined; host?: string | undefined }, env: Env, configFile?: string): HttpSettings {
  const file = configFile ? fileSection(configFile) : {};
  const where = configFile ? `config file ${configFile}, http` : '';
  const text = (flag: string | undefined, envName: string, fileKey: keyof FileSection): string | undefined => {
    if (flag !== undefined) return flag;
    const fromEnv = env[envName]?.trim();
    if (fromEnv) return fromEnv;
    const value = file[fileKey];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') throw new ConfigError(`${where}.${fileKey} must be a string`);
    return String(value);
  };
  const list = (envName: string, fileKey: 'tokens' | 'allowedHosts' | 'allowedOrigins'): string[] => {
    const fromEnv = splitList(env[envName]);
    const value = file[fileKey];
    if (value === undefined) return fromEnv;
    if (!Array.isArray(value)) throw new ConfigError(`${where}.${fileKey} must be a list`);
    return [...fromEnv, ...value.map((item, i) => fileValue(item, env, `${where}.${fileKey}[${i}]`)).filter((item): item is string => !!item)];
  };

  const host = text(flags.host, 'MEMBERS_MCP_HTTP_HOST', 'host') ?? '127.0.0.1';
  const port = integer(text(flags.port, 'MEMBERS_MCP_HTTP_PORT', 'port') ?? String(DEFAULT_HTTP_PORT), '--port (MEMBERS_MCP_HTTP_PORT)', 0, 65535);
  const tokens = list('MEMBERS_MCP_HTTP_TOKENS', 'tokens');
  for (const token of tokens) {
    if (token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
      throw new ConfigError(`every HTTP token must be at least ${MIN_TOKEN_LENGTH} visible ASCII characters with no spaces or commas (try: openssl rand -hex 32)`);
    }
  }
  const publicText = text(undefined, 'MEMBERS_MCP_HTTP_PUBLIC_URL', 'publicUrl');
  const publicUrl = publicText === undefined ? undefined : httpUrl(publicText, 'MEMBERS_MCP_HTTP_PUBLIC_URL');

  const fileOauth = file.oauth ?? {};
  const issuer = env.MEMBERS_MCP_OAUTH_ISSUER?.trim() || fileValue(fileOauth.issuer, env, `${where}.oauth.issuer`);
  let oauth: OAuthSettings | undefined;
  if (issuer) {
    oauth = { issuer };
    const jwksUrl = env.MEMBERS_MCP_OAUTH_JWKS_URL?.trim() || fileValue(fileOauth.jwksUrl, env, `${where}.oauth.jwksUrl`);
    if (jwksUrl) oauth.jwksUrl = jwksUrl;
    const scopes = env.MEMBERS_MCP_OAUTH_SCOPES !== undefined ? env.MEMBERS_MCP_OAUTH_SCOPES.split(/[\s,]+/).filter(Boolean) : fileOauth.scopes;
    if (scopes !== undefined) {
      if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string')) throw new ConfigError(`${where}.oauth.scopes must be a list of strings`);
      if (scopes.length > 0) oauth.requiredScopes = scopes as string[];
    }
  }

  const loopback = isLoopbackHost(host);
  if (!loopback && tokens.length === 0 && !oauth) {
    throw new ConfigError(
      `refusing to listen on ${host} without authentication: set MEMBERS_MCP_HTTP_TOKENS (or MEMBERS_MCP_OAUTH_ISSUER), or listen on 127.0.0.1`,
    );
  }
  if (oauth && !loopback && !publicUrl) {
    throw new ConfigError('OAuth needs MEMBERS_MCP_HTTP_PUBLIC_URL, the MCP endpoint as clients reach it (tokens must name it as their audience)');
  }

  const allowedHosts = [...LOOPBACK_NAMES, ...(publicUrl ? [publicUrl.host] : []), ...list('MEMBERS_MCP_HTTP_ALLOWED_HOSTS', 'allowedHosts')];
  const allowedOrigins = list('MEMBERS_MCP_HTTP_ALLOWED_ORIGINS', 'allowedOrigins');
  return {
    host,
    port,
    tokens,
    oauth,
    publicUrl,
    allowedHosts: [...new Set(allowedHosts)],
    allowedOrigins,
    maxBodyBytes: integer(text(undefined, 'MEMBERS_MCP_HTTP_MAX_BODY_BYTES', 'maxBodyBytes') ?? String(DEFAULT_MAX_BODY_BYTES), 'MEMBERS_MCP_HTTP_MAX_BODY_BYTES', 1024, 64 * 1024 * 1024),
    shutdownMs: integer(text(undefined, 'MEMBERS_MCP_HTTP_SHUTDOWN_MS', 'shutdownMs') ?? String(DEFAULT_SHUTDOWN_MS), 'MEMBERS_MCP_HTTP_SHUTDOWN_MS', 0, 3_600_000),
  };
}

/** Starts the HTTP transport with these settings; resolves once it listens and authentication is ready. */
export async function startHttpTransport(
  settings: HttpSettings,
  deps: { createServer: () => Server; logger: Logger; version: string },
): Promise<McpHttpServer> {
  const authenticated = settings.tokens.length > 0 || settings.oauth !== undefined;
  for (const token of settings.tokens) deps.logger.redactor.add(token);
  if (!isLoopbackHost(settings.host) && settings.allowedHosts.every((host) => LOOPBACK_NAMES.includes(host))) {
    deps.logger.warning(
      `listening on ${settings.host}, but requests are accepted only with a localhost Host header: set MEMBERS_MCP_HTTP_PUBLIC_URL or MEMBERS_MCP_HTTP_ALLOWED_HOSTS to the names clients use`,
    );
  }
  const server = new McpHttpServer({
    createServer: deps.createServer,
    host: settings.host,
    port: settings.port,
    logger: deps.logger,
    allowedHosts: settings.allowedHosts,
    allowedOrigins: settings.allowedOrigins,
    maxBodyBytes: settings.maxBodyBytes,
    shutdownMs: settings.shutdownMs,
    version: deps.version,
    auth: authenticated
      ? (endpoint) => HttpAuth.create({ tokens: settings.tokens, oauth: settings.oauth, resource: settings.publicUrl ?? endpoint })
      : undefined,
  });
  await server.listen();
  return server;
}

/** How the transport is protected, for the start-up line. */
export function describeAuth(settings: HttpSettings): string {
  const ways = [
    ...(settings.tokens.length > 0 ? [`${settings.tokens.length} static token${settings.tokens.length === 1 ? '' : 's'}`] : []),
    ...(settings.oauth ? [`OAuth tokens from ${settings.oauth.issuer}`] : []),
  ];
  return ways.length > 0 ? `bearer auth: ${ways.join(' or ')}` : 'no auth (loopback only)';
}

function fileSection(path: string): FileSection {
  const section = (readConfigFile(path) as { http?: unknown } | null)?.http;
  if (section === undefined) return {};
  if (!section || typeof section !== 'object' || Array.isArray(section)) throw new ConfigError(`config file ${path}: "http" must be an object`);
  const known = ['host', 'port', 'tokens', 'publicUrl', 'allowedHosts', 'allowedOrigins', 'maxBodyBytes', 'shutdownMs', 'oauth'];
  for (const key of Object.keys(section)) {
    if (!known.includes(key)) throw new ConfigError(`config file ${path}, http: unknown key "${key}" (known: ${known.join(', ')})`);
  }
  return section as FileSection;
}

function splitList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

function integer(text: string, name: string, min: number, max: number): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  return value;
}

function httpUrl(text: string, name: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  throw new ConfigError(`${name} must be an http(s) URL, got ${urlForDisplay(text)}`);
}
