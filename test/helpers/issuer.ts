import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface TestIssuer {
  /** The issuer identifier: http://127.0.0.1:PORT (plain http is accepted on loopback). */
  issuer: string;
  jwksUrl: string;
  /** Requests the issuer has served, by path. */
  served: string[];
  /** A token signed with the published key; claims default to a valid token for `audience`. */
  sign(audience: string, claims?: JWTPayload, options?: { key?: 'published' | 'unpublished'; expiresIn?: string | number }): Promise<string>;
  /** A token with `alg: none`, otherwise valid. */
  unsigned(audience: string): string;
  stop(): Promise<void>;
}

/**
 * A local OAuth authorization server, as far as a resource server sees one: RFC 8414 metadata and
 * a JWKS, over real HTTP on 127.0.0.1, with real RS256 keys. A second key pair with the same `kid`
 * is never published: tokens signed with it must fail signature verification.
 */
export async function startIssuer(): Promise<TestIssuer> {
  const published = await generateKeyPair('RS256');
  const unpublished = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(published.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const served: string[] = [];
  let issuer = '';
  const server: Server = createServer((req, res) => {
    served.push(req.url ?? '');
    const send = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/oauth-authorization-server') {
      return send({ issuer, jwks_uri: `${issuer}/jwks.json`, token_endpoint: `${issuer}/token`, authorization_endpoint: `${issuer}/authorize`, code_challenge_methods_supported: ['S256'] });
    }
    if (req.url === '/jwks.json') return send({ keys: [jwk] });
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sign = async (audience: string, claims: JWTPayload = {}, options: { key?: 'published' | 'unpublished'; expiresIn?: string | number } = {}) => {
    const key: CryptoKey = options.key === 'unpublished' ? unpublished.privateKey : published.privateKey;
    return new SignJWT({ scope: 'members', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'at+jwt' })
      .setIssuer(claims.iss ?? issuer)
      .setAudience(claims.aud ?? audience)
      .setSubject(claims.sub ?? 'agent-7')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(key);
  };
  return {
    issuer,
    jwksUrl: `${issuer}/jwks.json`,
    served,
    sign,
    unsigned: (audience) => new UnsecuredJWT({ scope: 'members' }).setIssuer(issuer).setAudience(audience).setSubject('agent-7').setExpirationTime('5m').encode(),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
