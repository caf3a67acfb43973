import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverJwksUrl, HttpAuth } from '../../src/mcp/auth.js';
import { startIssuer, type TestIssuer } from '../helpers/issuer.js';

const RESOURCE = new URL('http://127.0.0.1:4555/mcp');
const TOKENS = ['first-token-0123456789abcdef', 'second-token-0123456789abcdef'];

describe('static bearer tokens', () => {
  let auth: HttpAuth;
  beforeAll(async () => {
    auth = await HttpAuth.create({ tokens: TOKENS, resource: RESOURCE });
  });

  it('accepts each configured token and names it by position, never by value', async () => {
    expect(await auth.authenticate(`Bearer ${TOKENS[0]}`)).toEqual({ ok: true, principal: { id: 'token #1', scopes: [] } });
    expect(await auth.authenticate(`bearer ${TOKENS[1]}`)).toEqual({ ok: true, principal: { id: 'token #2', scopes: [] } });
  });

  it('refuses a missing, malformed, wrong or truncated token with 401', async () => {
    const missing = await auth.authenticate(undefined);
    expect(missing).toMatchObject({ ok: false, status: 401 });
    expect(missing).not.toHaveProperty('error'); // RFC 6750: no error code when no credential was sent
    expect(await auth.authenticate(`Basic ${TOKENS[0]}`)).toMatchObject({ ok: false, status: 401, error: 'invalid_request' });
    expect(await auth.authenticate('Bearer')).toMatchObject({ ok: false, status: 401, error: 'invalid_request' });
    for (const wrong of ['wrong-token-0123456789abcdef', TOKENS[0]!.slice(0, -1), `${TOKENS[0]}x`, TOKENS[0]!.toUpperCase()]) {
      expect(await auth.authenticate(`Bearer ${wrong}`)).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
    }
  });

  it('challenges without OAuth metadata when OAuth is not configured', async () => {
    const outcome = await auth.authenticate(undefined);
    if (outcome.ok) throw new Error('expected a refusal');
    expect(auth.challenge(outcome)).toBe('Bearer realm="project-members-mcp"');
    expect(auth.metadata()).toBeUndefined();
  });
});

describe('OAuth access tokens against a real JWKS', () => {
  let issuer: TestIssuer;
  let auth: HttpAuth;
  beforeAll(async () => {
    issuer = await startIssuer();
    auth = await HttpAuth.create({ tokens: [], oauth: { issuer: issuer.issuer }, resource: RESOURCE });
  });
  afterAll(async () => {
    await issuer.stop();
  });

  it('discovers the JWKS from the issuer metadata and accepts a valid token', async () => {
    expect(issuer.served).toContain('/.well-known/oauth-authorization-server');
    const outcome = await auth.authenticate(`Bearer ${await issuer.sign(RESOURCE.href)}`);
    expect(outcome).toEqual({ ok: true, principal: { id: 'sub agent-7', scopes: ['members'] } });
    expect(issuer.served).toContain('/jwks.json');
  });

  it('refuses an expired token, a wrong audience, a wrong issuer, a wrong key and alg none, each with 401', async () => {
    const past = Math.floor(Date.now() / 1000) - 600;
    const cases: Array<[string, string, RegExp]> = [
      ['expired', await issuer.sign(RESOURCE.href, {}, { expiresIn: past }), /expired/],
      ['wrong audience', await issuer.sign('https://other.example.com/mcp'), /not issued for this server .*http:\/\/127\.0\.0\.1:4555\/mcp/],
      ['wrong issuer', await issuer.sign(RESOURCE.href, { iss: 'https://evil.example.com' }), /issuer/],
      ['wrong key', await issuer.sign(RESOURCE.href, {}, { key: 'unpublished' }), /signature/],
      ['alg none', issuer.unsigned(RESOURCE.href), /algorithm/],
      ['not a JWT', 'a.b.c', /malformed/],
    ];
    for (const [name, token, description] of cases) {
      const outcome = await auth.authenticate(`Bearer ${token}`);
      expect(outcome, name).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
      expect(outcome.ok ? '' : outcome.description, name).toMatch(description);
    }
  });

  it('accepts the resource with or without a trailing slash as the audience, and nothing else', async () => {
    expect((await auth.authenticate(`Bearer ${await issuer.sign(`${RESOURCE.href}/`)}`)).ok).toBe(true);
    expect((await auth.authenticate(`Bearer ${await issuer.sign('http://127.0.0.1:4555/')}`)).ok).toBe(false);
  });

  it('requires the configured scopes, with 403 insufficient_scope', async () => {
    const scoped = await HttpAuth.create({ tokens: [], oauth: { issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, requiredScopes: ['members:write'] }, resource: RESOURCE });
    const refused = await scoped.authenticate(`Bearer ${await issuer.sign(RESOURCE.href)}`);
    expect(refused).toMatchObject({ ok: false, status: 403, error: 'insufficient_scope' });
    if (refused.ok) throw new Error('expected a refusal');
    expect(scoped.challenge(refused)).toContain('scope="members:write"');
    expect((await scoped.authenticate(`Bearer ${await issuer.sign(RESOURCE.href, { scope: 'read members:write' })}`)).ok).toBe(true);
  });

  it('points the WWW-Authenticate header at the RFC 9728 metadata, which names the resource and the issuer', async () => {
    const outcome = await auth.authenticate(undefined);
    if (outcome.ok) throw new Error('expected a refusal');
    expect(auth.challenge(outcome)).toBe('Bearer realm="project-members-mcp", resource_metadata="http://127.0.0.1:4555/.well-known/oauth-protected-resource/mcp"');
    expect(auth.metadataPaths).toEqual(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']);
    expect(auth.metadata()).toEqual({
      resource: RESOURCE.href,
      authorization_servers: [issuer.issuer],
      bearer_methods_supported: ['header'],
      resource_name: 'project-members-mcp',
    });
  });

  it('still accepts static tokens beside OAuth', async () => {
    const both = await HttpAuth.create({ tokens: TOKENS, oauth: { issuer: issuer.issuer, jwksUrl: issuer.jwksUrl }, resource: RESOURCE });
    expect(await both.authenticate(`Bearer ${TOKENS[1]}`)).toMatchObject({ ok: true, principal: { id: 'token #2' } });
    expect((await both.authenticate(`Bearer ${await issuer.sign(RESOURCE.href)}`)).ok).toBe(true);
  });

  it('answers 503 when the issuer keys cannot be fetched', async () => {
    const unreachable = await HttpAuth.create({ tokens: [], oauth: { issuer: issuer.issuer, jwksUrl: 'http://127.0.0.1:9/jwks.json' }, resource: RESOURCE });
    expect(await unreachable.authenticate(`Bearer ${await issuer.sign(RESOURCE.href)}`)).toMatchObject({ ok: false, status: 503 });
  });
});

describe('configuration checks', () => {
  it('refuses a plain-http issuer beyond loopback, and an issuer whose metadata names another issuer', async () => {
    await expect(HttpAuth.create({ tokens: [], oauth: { issuer: 'http://auth.example.com' }, resource: RESOURCE })).rejects.toThrow(/https/);
    const issuer = await startIssuer();
    try {
      await expect(discoverJwksUrl(`${issuer.issuer}/tenant`)).rejects.toThrow(/cannot discover the JWKS.*MEMBERS_MCP_OAUTH_JWKS_URL/);
      expect(await discoverJwksUrl(issuer.issuer)).toBe(issuer.jwksUrl);
    } finally {
      await issuer.stop();
    }
  });
});
