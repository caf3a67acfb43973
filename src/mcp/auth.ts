import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors as jose, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { isLoopbackHost } from '../core/hosts.js';
import { urlForDisplay } from '../core/redact.js';

/** Who a request was authenticated as; never the credential itself. */
export interface Principal {
  /** For logs: "token #2", or the JWT's subject. */
  id: string;
  scopes: string[];
}

export type AuthOutcome =
  | { ok: true; principal: Principal }
  | {
      ok: false;
      status: 401 | 403 | 503;
      /** RFC 6750 error code; absent when the request carried no credential at all. */
      error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';
      description: string;
    };

export interface OAuthSettings {
  /** The authorization server's issuer identifier, exactly as it puts it in `iss`. */
  issuer: string;
  /** Its JWKS; discovered from the issuer's metadata when absent. */
  jwksUrl?: string;
  /** Scopes every token must carry. */
  requiredScopes?: string[];
}

export interface AuthSettings {
  /** Static bearer tokens (MEMBERS_MCP_HTTP_TOKENS or the config file). */
  tokens: string[];
  oauth?: OAuthSettings;
  /** This server's MCP endpoint as clients reach it: the OAuth resource, and the audience tokens must name. */
  resource: URL;
}

/** Public-key algorithms only: a shared-secret (HS*) or unsigned (`none`) token is never accepted. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const CLOCK_TOLERANCE_S = 30;
const REALM = 'project-members-mcp';

/**
 * Bearer authentication for the HTTP transport: static tokens compared in constant time, and
 * OAuth 2.1 access tokens (JWTs) checked as a resource server does it: signature through the
 * issuer's JWKS, `iss`, `aud` = this server's resource URL, `exp`. The presented token is only
 * compared or verified here; it is never kept, logged, or handed to anything else.
 */
export class HttpAuth {
  private readonly digests: Buffer[];

  private constructor(
    private readonly settings: AuthSettings,
    private readonly jwks: JWTVerifyGetKey | undefined,
  ) {
    this.digests = settings.tokens.map(digest);
  }

  /** Checks the settings and, for OAuth without a JWKS URL, discovers it from the issuer's metadata. */
  static async create(settings: AuthSettings): Promise<HttpAuth> {
    let jwks: JWTVerifyGetKey | undefined;
    if (settings.oauth) {
      requireSecureUrl(settings.oauth.issuer, 'the OAuth issuer');
      const jwksUrl = settings.oauth.jwksUrl ?? (await discoverJwksUrl(settings.oauth.issuer));
      requireSecureUrl(jwksUrl, 'the JWKS URL');
      jwks = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5000 });
    }
    return new HttpAuth(settings, jwks);
  }

  get oauth(): boolean {
    return this.jwks !== undefined;
  }

  /** The RFC 9728 metadata URL for this resource: the well-known prefix inserted before its path. */
  get metadataUrl(): string {
    const resource = this.settings.resource;
    const path = resource.pathname === '/' ? '' : resource.pathname;
    return new URL(`/.well-known/oauth-protected-resource${path}`, resource).href;
  }

  /** Paths on this server that answer with the metadata: the RFC 9728 one and the root fallback. */
  get metadataPaths(): string[] {
    return [...new Set([new URL(this.metadataUrl).pathname, '/.well-known/oauth-protected-resource'])];
  }

  /** The Protected Resource Metadata document (RFC 9728), when OAuth is configured. */
  metadata(): Record<string, unknown> | undefined {
    const oauth = this.settings.oauth;
    if (!oauth) return undefined;
    return {
      resource: this.settings.resource.href,
      authorization_servers: [oauth.issuer],
      bearer_methods_supported: ['header'],
      ...(oauth.requiredScopes?.length ? { scopes_supported: oauth.requiredScopes } : {}),
      resource_name: 'project-members-mcp',
    };
  }

  async authenticate(authorization: string | undefined): Promise<AuthOutcome> {
    if (!authorization) return { ok: false, status: 401, description: 'This server requires a bearer token.' };
    const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(authorization);
    if (!match) return { ok: false, status: 401, error: 'invalid_request', description: 'Send the token as "Authorization: Bearer <token>".' };
    const token = match[1]!;

    const index = this.staticToken(token);
    if (index >= 0) return { ok: true, principal: { id: `token #${index + 1}`, scopes: [] } };
    if (!this.jwks || token.split('.').length !== 3) {
      return { ok: false, status: 401, error: 'invalid_token', description: 'The bearer token is not valid for this server.' };
    }
    return this.verifyJwt(token, this.jwks, this.settings.oauth!);
  }

  /** The WWW-Authenticate header of a refusal (RFC 6750 §3, RFC 9728 §5.1). */
  challenge(outcome: Extract<AuthOutcome, { ok: false }>): string {
    const parts = [`realm="${REALM}"`];
    if (outcome.error) parts.push(`error="${outcome.error}"`, `error_description="${quotable(outcome.description)}"`);
    const scopes = this.settings.oauth?.requiredScopes;
    if (scopes?.length) parts.push(`scope="${scopes.join(' ')}"`);
    if (this.oauth) parts.push(`resource_metadata="${this.metadataUrl}"`);
    return `Bearer ${parts.join(', ')}`;
  }

  /** Index of the static token that matches, or -1; every token is compared, whatever matches. */
  private staticToken(token: string): number {
    const presented = digest(token);
    let found = -1;
    this.digests.forEach((known, index) => {
      if (timingSafeEqual(known, presented) && found < 0) found = index;
    });
    return found;
  }

  private async verifyJwt(token: string, jwks: JWTVerifyGetKey, oauth: OAuthSettings): Promise<AuthOutcome> {
    const resource = this.settings.resource.href;
    // One trailing slash either way names the same resource (RFC 8707 identifiers are URLs).
    const audience = [resource, resource.endsWith('/') ? resource.slice(0, -1) : `${resource}/`];
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: oauth.issuer,
        audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (error) {
      return refusal(error, resource);
    }
    const scopes = tokenScopes(payload);
    const missing = (oauth.requiredScopes ?? []).filter((scope) => !scopes.includes(scope));
    if (missing.length > 0) {
      return { ok: false, status: 403, error: 'insufficient_scope', description: `The access token lacks the scope ${missing.join(' ')}.` };
    }
    return { ok: true, principal: { id: typeof payload.sub === 'string' ? `sub ${payload.sub}` : 'oauth client', scopes } };
  }
}

function refusal(error: unknown, resource: string): Extract<AuthOutcome, { ok: false }> {
  const invalid = (description: string) => ({ ok: false as const, status: 401 as const, error: 'invalid_token' as const, description });
  if (error instanceof jose.JWTExpired) return invalid('The access token has expired.');
  if (error instanceof jose.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return invalid(`The access token was not issued for this server (its audience must be ${resource}).`);
    if (error.claim === 'iss') return invalid('The access token comes from an issuer this server does not trust.');
    return invalid(`The access token's "${error.claim}" claim is ${error.reason === 'missing' ? 'missing' : 'not valid'}.`);
  }
  if (error instanceof jose.JOSEAlgNotAllowed) return invalid('The access token is not signed with an accepted public-key algorithm.');
  if (error instanceof jose.JWSSignatureVerificationFailed || error instanceof jose.JWKSNoMatchingKey) {
    return invalid("The access token's signature does not verify against the issuer's keys.");
  }
  // jose reports a JWKS it could not fetch or read as a timeout, an invalid set, its base error
  // class, or the fetch's own error: not the client's fault, and worth a retry.
  const jwksUnavailable =
    error instanceof jose.JWKSTimeout ||
    error instanceof jose.JWKSInvalid ||
    (error instanceof Error && (error.constructor === jose.JOSEError || !(error instanceof jose.JOSEError)));
  if (jwksUnavailable) {
    return { ok: false, status: 503, error: 'temporarily_unavailable', description: "The authorization server's keys cannot be fetched right now." };
  }
  return invalid('The access token is malformed.');
}

function tokenScopes(payload: JWTPayload): string[] {
  const scope = payload.scope ?? payload.scp;
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** A header parameter value cannot hold quotes or backslashes. */
function quotable(text: string): string {
  return text.replace(/["\\]/g, "'");
}

/** OAuth endpoints must be HTTPS; plain HTTP only on loopback (tests, a local authorization server). */
function requireSecureUrl(text: string, what: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${what} must be a URL, got ${urlForDisplay(text)}`);
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  throw new Error(`${what} must be an https URL (plain http only on loopback), got ${urlForDisplay(text)}`);
}

/**
 * The issuer's jwks_uri, from its OAuth 2.0 Authorization Server Metadata (RFC 8414) or its
 * OpenID Connect discovery document, in the order the MCP authorization spec has clients try them.
 */
export async function discoverJwksUrl(issuer: string): Promise<string> {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const candidates = [
    `/.well-known/oauth-authorization-server${path}`,
    `/.well-known/openid-configuration${path}`,
    ...(path ? [`${path}/.well-known/openid-configuration`] : []),
  ].map((candidate) => new URL(candidate, url).href);
  const problems: string[] = [];
  for (const candidate of candidates) {
    try {
      const response = await fetch(candidate, { signal: AbortSignal.timeout(5000), redirect: 'error', headers: { accept: 'application/json' } });
      if (!response.ok) {
        problems.push(`${candidate}: HTTP ${response.status}`);
        continue;
      }
      const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
      if (metadata.issuer !== issuer) {
        problems.push(`${candidate}: its issuer is ${JSON.stringify(metadata.issuer)}, not ${issuer}`);
        continue;
      }
      if (typeof metadata.jwks_uri !== 'string') {
        problems.push(`${candidate}: no jwks_uri`);
        continue;
      }
      return metadata.jwks_uri;
    } catch (error) {
      problems.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  throw new Error(`cannot discover the JWKS of issuer ${issuer} (${problems.join('; ')}); set MEMBERS_MCP_OAUTH_JWKS_URL`);
}
