import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callBudgetMs, ConfigError, httpDefaults, loadConnections, placeholderProblem, readConfigFile } from '../src/config.js';
import { readRepoJson } from './helpers/repo.js';
import { tempDir } from './helpers/temp.js';

function file(content: unknown): string {
  const dir = tempDir('config-');
  const path = join(dir, 'connections.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('connections from the environment', () => {
  it('configures nothing when no provider variable is set', () => {
    expect(loadConnections({ PATH: '/usr/bin' })).toEqual({ connections: [], problems: [] });
  });

  it('builds a connection named after the provider, with defaults and documented limits', () => {
    const { connections, problems } = loadConnections({ CLOCKIFY_API_KEY: 'k1234567' });
    expect(problems).toEqual([]);
    expect(connections).toHaveLength(1);
    expect(connections[0]).toMatchObject({
      name: 'clockify',
      kind: 'clockify',
      sandbox: false,
      values: { apiKey: 'k1234567', baseUrl: 'https://api.clockify.me/api' },
      http: { limits: { maxInFlight: 8, rateLimit: { requests: 50, intervalMs: 1000 } } },
    });
  });

  it('takes per-provider limits and shared HTTP settings', () => {
    const { connections } = loadConnections({
      CLOCKIFY_API_KEY: 'k1234567',
      CLOCKIFY_RATE_LIMIT: '30/h',
      CLOCKIFY_MAX_IN_FLIGHT: '2',
      MEMBERS_MCP_TIMEOUT_MS: '1500',
      MEMBERS_MCP_RETRY_ATTEMPTS: '7',
    });
    expect(connections[0]!.http.limits).toEqual({ maxInFlight: 2, rateLimit: { requests: 30, intervalMs: 3_600_000 } });
    expect(connections[0]!.http.timeouts.responseMs).toBe(1500);
    expect(connections[0]!.http.retry.attempts).toBe(7);
    expect(loadConnections({ CLOCKIFY_API_KEY: 'k1234567', CLOCKIFY_RATE_LIMIT: 'off' }).connections[0]!.http.limits.rateLimit).toBeUndefined();
  });

  it('takes the call budget, and shares rate limits between processes only when asked', () => {
    expect(callBudgetMs({})).toBe(45_000);
    expect(callBudgetMs({ MEMBERS_MCP_CALL_BUDGET_MS: '20000' })).toBe(20_000);
    expect(() => callBudgetMs({ MEMBERS_MCP_CALL_BUDGET_MS: '-1' })).toThrow(ConfigError);
    const env = { CLOCKIFY_API_KEY: 'k1234567', CLOCKIFY_RATE_LIMIT: '30/h', XDG_CACHE_HOME: '/tmp/c' };
    expect(loadConnections(env).connections[0]!.http.limits.sharedStateFile).toBeUndefined();
    const shared = loadConnections({ ...env, MEMBERS_MCP_SHARE_RATE_LIMIT: '1' }).connections[0]!.http.limits.sharedStateFile;
    expect(shared).toMatch(/^\/tmp\/c\/project-members-mcp\/rate-limits\/clockify-[0-9a-f]{16}\.json$/);
    // The same account under another connection name finds the same file; another key does too (the limit is the workspace's).
    const named = file({ connections: [{ name: 'acme', provider: 'clockify', apiKey: 'other-key-1', rateLimit: '30/h' }] });
    expect(loadConnections({ MEMBERS_MCP_SHARE_RATE_LIMIT: '1', XDG_CACHE_HOME: '/tmp/c' }, named).connections[0]!.http.limits.sharedStateFile).toBe(shared);
    // Nothing to share without a limit.
    expect(loadConnections({ ...env, CLOCKIFY_RATE_LIMIT: 'off', MEMBERS_MCP_SHARE_RATE_LIMIT: '1' }).connections[0]!.http.limits.sharedStateFile).toBeUndefined();
  });

  it('reports an unusable connection as a problem, not a crash', () => {
    const { connections, problems } = loadConnections({ CLOCKIFY_API_KEY: 'k1234567', CLOCKIFY_WORKSPACE_ID: 'nope', CLOCKIFY_BASE_URL: 'ftp://x' });
    expect(connections).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('CLOCKIFY_BASE_URL must be an http(s) URL');
    expect(problems[0]!.message).not.toContain('k1234567');
  });

  it('stops on a malformed server-wide setting, with one line naming it', () => {
    expect(() => httpDefaults({ MEMBERS_MCP_TIMEOUT_MS: 'soon' })).toThrow(new ConfigError('MEMBERS_MCP_TIMEOUT_MS must be a positive integer, got "soon"'));
  });

  it('makes a malformed per-connection limit a problem of that connection, like any other setting', () => {
    const { connections, problems } = loadConnections({
      CLOCKIFY_API_KEY: 'k1234567',
      CLOCKIFY_RATE_LIMIT: 'lots',
      PROJECTMANAGER_API_KEY: 'k7654321',
      PROJECTMANAGER_MAX_IN_FLIGHT: '0',
      ZELLO_BASE_URL: 'https://zello.acme.test',
      ZELLO_USERNAME: 'admin',
      ZELLO_PASSWORD: 'pw-123456',
    });
    expect(connections.map((c) => c.name)).toEqual(['zello']);
    expect(problems.map((p) => [p.name, p.message])).toEqual([
      ['clockify', expect.stringContaining('CLOCKIFY_RATE_LIMIT: invalid rate limit "lots"')],
      ['projectmanager', expect.stringContaining('PROJECTMANAGER_MAX_IN_FLIGHT must be a positive integer, got "0"')],
    ]);
  });

  it('takes an empty value as unset, as MCP bundles pass the fields left empty', () => {
    const { connections, problems } = loadConnections({
      CLOCKIFY_API_KEY: 'k1234567',
      CLOCKIFY_WORKSPACE_ID: '',
      CLOCKIFY_BASE_URL: ' ',
      CLOCKIFY_RATE_LIMIT: '',
      CLOCKIFY_MAX_IN_FLIGHT: '',
      GORULES_BASE_URL: '',
      GORULES_TOKEN: '',
      MEMBERS_MCP_TIMEOUT_MS: '',
    });
    expect(problems).toEqual([]);
    expect(connections).toHaveLength(1);
    expect(connections[0]).toMatchObject({
      values: { apiKey: 'k1234567', baseUrl: 'https://api.clockify.me/api' },
      http: { limits: { maxInFlight: 8, rateLimit: { requests: 50, intervalMs: 1000 } }, timeouts: { responseMs: 30_000 } },
    });
    expect(connections[0]!.values.workspaceId).toBeUndefined();
  });
});

describe('placeholders', () => {
  it('fails fast on the example configuration used as it is, saying the values are placeholders', () => {
    const example = readRepoJson<{ mcpServers: { 'project-members': { env: Record<string, string> } }; optionalEnv: Record<string, string> }>('mcp.json.example');
    const { CLOCKIFY_WORKSPACE_ID: _ws, CLOCKIFY_BASE_URL: _url, about: _about, ...optional } = example.optionalEnv;
    const { connections, problems } = loadConnections({ ...example.mcpServers['project-members'].env, ...optional });
    expect(connections).toEqual([]);
    expect(problems.map((p) => p.name)).toEqual(['clockify', 'gorules', 'projectmanager', 'zello']);
    for (const problem of problems) expect(problem.message).toContain('is still a placeholder from the example configuration');
    // A secret placeholder is not repeated (it might be a real secret after all); a URL is, as its scheme and host.
    expect(problems[0]!.message).not.toContain('your-clockify-api-key');
    expect(problems[1]!.message).toContain('(https://your-org.us1.gorules.io)');
    expect(placeholderProblem('https://admin:pw-1234@your-org.us1.gorules.io/api?key=k-5678', false)).not.toMatch(/pw-1234|k-5678|\/api/);
  });

  it('recognises angle brackets, reserved example hosts and variable references the client did not expand', () => {
    expect(placeholderProblem('https://<org>.gorules.io', false)).toContain('placeholder');
    expect(placeholderProblem('https://zello.acme.example', false)).toContain('placeholder');
    expect(placeholderProblem('${env:CLOCKIFY_API_KEY}', true)).toContain('did not expand');
    expect(placeholderProblem('${user_config.clockify_api_key}', true)).toContain('did not expand');
    for (const real of ['k1234567yourkey', 'https://acme.us1.gorules.io', 'https://zello.example.com', 'ada.yourself', 'https://eu.gorules.io/api']) {
      expect(placeholderProblem(real, false), real).toBeUndefined();
    }
  });
});

describe('connections from a config file', () => {
  it('takes several accounts of one provider, secrets from the environment', () => {
    const path = file({
      connections: [
        { name: 'acme', provider: 'clockify', apiKey: { env: 'ACME_KEY' }, workspaceId: '64a000000000000000000001' },
        { name: 'acme-eu', provider: 'clockify', apiKey: 'literal-key-1', baseUrl: 'https://euc1.clockify.me/api', rateLimit: '30/h', maxInFlight: 2 },
      ],
    });
    const { connections, problems } = loadConnections({ ACME_KEY: 'from-env-key' }, path);
    expect(problems).toEqual([]);
    expect(connections.map((c) => [c.name, c.values.apiKey, c.values.baseUrl])).toEqual([
      ['acme', 'from-env-key', 'https://api.clockify.me/api'],
      ['acme-eu', 'literal-key-1', 'https://euc1.clockify.me/api'],
    ]);
    expect(connections[1]!.http.limits).toEqual({ maxInFlight: 2, rateLimit: { requests: 30, intervalMs: 3_600_000 } });
  });

  it('lets a file connection win over the environment one of the same name', () => {
    const path = file({ connections: [{ provider: 'clockify', apiKey: 'file-key-123' }] });
    const { connections } = loadConnections({ CLOCKIFY_API_KEY: 'env-key-123' }, path);
    expect(connections.map((c) => c.values.apiKey)).toEqual(['file-key-123']);
  });

  it('names the variable the file named when it is not set', () => {
    const path = file({ connections: [{ name: 'acme', provider: 'clockify', apiKey: { env: 'UNSET_KEY' } }] });
    for (const env of [{}, { UNSET_KEY: '' }]) {
      const { problems } = loadConnections(env, path);
      expect(problems[0]!.message).toContain('UNSET_KEY (named by "apiKey" in the config file) is not set');
      expect(problems[0]!.message).not.toContain('CLOCKIFY_API_KEY');
    }
  });

  it("makes a bad value, limit or key a problem of that connection only", () => {
    const path = file({
      connections: [
        { name: 'a', provider: 'clockify', apiKey: 'k1234567', rateLimit: 'lots' },
        { name: 'b', provider: 'clockify', apiKey: 'k1234567', maxInFlight: 0 },
        { name: 'c', provider: 'clockify', apiKey: 'k1234567', apikey: 'x' },
        { name: 'd', provider: 'clockify', apiKey: 42 },
        { name: 'e', provider: 'clockify', apiKey: 'k1234567', rateLimit: '30/h', maxInFlight: '' },
      ],
    });
    const { connections, problems } = loadConnections({}, path);
    expect(connections.map((c) => [c.name, c.http.limits])).toEqual([['e', { maxInFlight: 8, rateLimit: { requests: 30, intervalMs: 3_600_000 } }]]);
    expect(problems.map((p) => [p.name, p.message])).toEqual([
      ['a', expect.stringContaining('"rateLimit": invalid rate limit "lots"')],
      ['b', expect.stringContaining('"maxInFlight" must be a positive integer, got "0"')],
      ['c', expect.stringContaining('unknown key "apikey" in the config file')],
      ['d', expect.stringContaining('"apiKey" in the config file must be a string or {"env": "VARIABLE"}')],
    ]);
  });

  it('stops on a broken file with the reason', () => {
    expect(() => loadConnections({}, file('{not json'))).toThrow(ConfigError);
    expect(() => loadConnections({}, file({ connections: [{ provider: 'jira' }] }))).toThrow(/"provider" must be one of/);
    expect(() => loadConnections({}, file({ connections: [{ provider: 'clockify', name: 'a b' }] }))).toThrow(/"name" must be/);
    expect(() =>
      loadConnections({}, file({ connections: [{ provider: 'clockify', name: 'a', apiKey: 'k1234' }, { provider: 'clockify', name: 'a', apiKey: 'k5678' }] })),
    ).toThrow(/duplicate connection name "a"/);
    expect(() => loadConnections({}, join(tmpdir(), 'does-not-exist.json'))).toThrow(/cannot read config file/);
  });
});

describe('configuration problems never show a setting\'s value', () => {
  const SECRET = 'sk_live_9f8e7d6c5b4a39281706';

  it('does not echo a secret put in a base URL variable, nor a URL\'s credentials, path or query', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ GORULES_BASE_URL: SECRET, GORULES_TOKEN: 'token-1234' }, /GORULES_BASE_URL must be an http\(s\) URL \(the value is not shown\)/],
      [{ ZELLO_BASE_URL: `https://admin:${SECRET}@zello.example.com/api`, ZELLO_USERNAME: 'admin', ZELLO_PASSWORD: 'pw-12345' }, /ZELLO_BASE_URL must not hold a user name or password \(https:\/\/zello\.example\.com\)/],
      [{ CLOCKIFY_API_KEY: 'key-12345', CLOCKIFY_BASE_URL: `https://api.clockify.me/api?key=${SECRET}` }, /CLOCKIFY_BASE_URL must not have a query or fragment \(https:\/\/api\.clockify\.me…\)/],
      [{ PROJECTMANAGER_API_KEY: 'key-12345', PROJECTMANAGER_BASE_URL: `ftp://files.example.com/${SECRET}` }, /PROJECTMANAGER_BASE_URL must be an http\(s\) URL, got ftp:\/\/files\.example\.com$/],
    ];
    for (const [env, expected] of cases) {
      const { connections, problems } = loadConnections(env);
      expect(connections, JSON.stringify(env)).toEqual([]);
      expect(problems[0]!.message).toMatch(expected);
      expect(problems[0]!.message).not.toContain(SECRET);
      expect(problems[0]!.message).not.toContain(SECRET.slice(0, 8));
    }
  });

  it('refuses a credential with a line break, or one an HTTP header cannot carry, at start and without showing it', () => {
    for (const [env, variable] of [
      [{ CLOCKIFY_API_KEY: 'key-with-newline\nX-Injected: 1' }, 'CLOCKIFY_API_KEY'],
      [{ PROJECTMANAGER_API_KEY: 'key\r\nmore' }, 'PROJECTMANAGER_API_KEY'],
      [{ ZELLO_BASE_URL: 'https://zello.example.com', ZELLO_USERNAME: 'admin', ZELLO_PASSWORD: 'pass\u0000word' }, 'ZELLO_PASSWORD'],
    ] as const) {
      const { connections, problems } = loadConnections(env);
      expect(connections).toEqual([]);
      expect(problems[0]!.message).toContain(`${variable} contains a line break or another control character`);
      expect(problems[0]!.message).not.toContain('key-with-newline');
    }
    // Beyond Latin-1: no header can carry it (a "smart" dash pasted from a document).
    const { problems } = loadConnections({ GORULES_BASE_URL: 'https://brms.example.com', GORULES_TOKEN: 'abc\u2013def-ghi' });
    expect(problems[0]!.message).toContain('GORULES_TOKEN holds characters an HTTP header cannot carry');
    expect(problems[0]!.message).not.toContain('abc');
    // A password goes in a JSON body, where any character is fine.
    expect(loadConnections({ ZELLO_BASE_URL: 'https://zello.example.com', ZELLO_USERNAME: 'admin', ZELLO_PASSWORD: 'pässwört–✓' }).problems).toEqual([]);
  });

  it('shows where a config file stops being JSON, never its text', () => {
    const text = `{\n  "connections": [\n    { "provider": "clockify", "apiKey": "${SECRET}" "name": "acme" }\n  ]\n}`;
    const error = (() => {
      try {
        readConfigFile(file(text));
      } catch (thrown) {
        return thrown as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/is not valid JSON: syntax error at line 3, column 72$/);
    expect(error.message).not.toContain(SECRET.slice(0, 6));
    // The position found agrees with the parser's on other mistakes too.
    for (const [broken, at] of [
      ['{"a": tru}', 'line 1, column 7'],
      ['{"a": 1,}', 'line 1, column 9'],
      ['[1,\n 2\n', 'line 3, column 1'],
      ['{"a": "x\u0001"}', 'line 1, column 9'],
      ['\ufeff{"a": 01}', 'line 1, column 8'],
    ]) {
      expect(() => readConfigFile(file(broken!)), broken).toThrow(`syntax error at ${at}`);
    }
  });
});
