import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { describeAuth, loadHttpSettings } from '../../src/mcp/http-config.js';
import { tempDir } from '../helpers/temp.js';

const TOKEN = 'a-token-of-sufficient-length';

function configFile(content: unknown): string {
  const path = join(tempDir('http-config-'), 'config.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('HTTP settings', () => {
  it('defaults to 127.0.0.1:3000, no auth, localhost names, a 1 MiB body and a 20 s shutdown', () => {
    const settings = loadHttpSettings({}, {});
    expect(settings).toEqual({
      host: '127.0.0.1',
      port: 3000,
      tokens: [],
      oauth: undefined,
      publicUrl: undefined,
      allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
      allowedOrigins: [],
      maxBodyBytes: 1024 * 1024,
      shutdownMs: 20_000,
    });
    expect(describeAuth(settings)).toBe('no auth (loopback only)');
  });

  it('takes flags over the environment over the config file', () => {
    const file = configFile({ http: { port: 4000, host: '127.0.0.2', tokens: ['file-token-0123456789abcdef'] } });
    expect(loadHttpSettings({}, {}, file)).toMatchObject({ port: 4000, host: '127.0.0.2', tokens: ['file-token-0123456789abcdef'] });
    expect(loadHttpSettings({}, { MEMBERS_MCP_HTTP_PORT: '5000', MEMBERS_MCP_HTTP_TOKENS: ` ${TOKEN} ,` }, file)).toMatchObject({
      port: 5000,
      tokens: [TOKEN, 'file-token-0123456789abcdef'],
    });
    expect(loadHttpSettings({ port: '0' }, { MEMBERS_MCP_HTTP_PORT: '5000' }, file).port).toBe(0);
  });

  it('refuses to listen beyond loopback without authentication, and accepts it with a token', () => {
    expect(() => loadHttpSettings({ host: '0.0.0.0' }, {})).toThrow(ConfigError);
    expect(() => loadHttpSettings({ host: '0.0.0.0' }, {})).toThrow(/refusing to listen on 0\.0\.0\.0 without authentication/);
    expect(loadHttpSettings({ host: '0.0.0.0' }, { MEMBERS_MCP_HTTP_TOKENS: TOKEN }).host).toBe('0.0.0.0');
    expect(loadHttpSettings({ host: 'localhost' }, {}).host).toBe('localhost');
  });

  it('refuses short or unprintable tokens, bad numbers and a bad public URL', () => {
    expect(() => loadHttpSettings({}, { MEMBERS_MCP_HTTP_TOKENS: 'short' })).toThrow(/at least 16/);
    expect(() => loadHttpSettings({}, { MEMBERS_MCP_HTTP_TOKENS: 'has a space in it, quite long' })).toThrow(/at least 16/);
    expect(() => loadHttpSettings({ port: '70000' }, {})).toThrow(/--port .* from 0 to 65535/);
    expect(() => loadHttpSettings({}, { MEMBERS_MCP_HTTP_MAX_BODY_BYTES: 'lots' })).toThrow(/MEMBERS_MCP_HTTP_MAX_BODY_BYTES/);
    expect(() => loadHttpSettings({}, { MEMBERS_MCP_HTTP_PUBLIC_URL: 'ftp://x' })).toThrow(/http\(s\) URL/);
    // Never the value: a token pasted into the wrong variable would be printed.
    expect(() => loadHttpSettings({}, { MEMBERS_MCP_HTTP_PUBLIC_URL: 'a-token-pasted-here-0123456789' })).toThrow(/http\(s\) URL, got a value that is not a URL \(not shown\)$/);
    expect(() => loadHttpSettings({}, { MEMBERS_MCP_HTTP_PUBLIC_URL: 'ftp://user:secret-pw@files.example.com/x?k=v' })).toThrow(/got ftp:\/\/files\.example\.com$/);
    expect(() => loadHttpSettings({}, {}, configFile({ http: { token: 'typo' } }))).toThrow(/unknown key "token"/);
  });

  it('configures OAuth, which beyond loopback needs the public URL; its host is then accepted', () => {
    const env = { MEMBERS_MCP_OAUTH_ISSUER: 'https://auth.example.com', MEMBERS_MCP_OAUTH_SCOPES: 'members:read, members:write' };
    expect(() => loadHttpSettings({ host: '0.0.0.0' }, env)).toThrow(/MEMBERS_MCP_HTTP_PUBLIC_URL/);
    const settings = loadHttpSettings({ host: '0.0.0.0' }, { ...env, MEMBERS_MCP_HTTP_PUBLIC_URL: 'https://members.example.com/mcp', MEMBERS_MCP_HTTP_ALLOWED_HOSTS: '10.0.0.5' });
    expect(settings.oauth).toEqual({ issuer: 'https://auth.example.com', requiredScopes: ['members:read', 'members:write'] });
    expect(settings.allowedHosts).toEqual(['localhost', '127.0.0.1', '[::1]', 'members.example.com', '10.0.0.5']);
    expect(describeAuth(settings)).toBe('bearer auth: OAuth tokens from https://auth.example.com');
  });
});
