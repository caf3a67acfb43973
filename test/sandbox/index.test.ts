import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConnections } from '../../src/config.js';
import { sandboxConnections, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

describe('the in-process sandbox\'s connections', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('are built from its variables like configured ones: limits from the environment, provider settings ignored', () => {
    const { connections, problems } = sandboxConnections(sandbox, {
      CLOCKIFY_API_KEY: 'a-real-key-that-must-not-be-used',
      CLOCKIFY_RATE_LIMIT: '30/h',
      ZELLO_MAX_IN_FLIGHT: '2',
      MEMBERS_MCP_TIMEOUT_MS: '1234',
    });
    expect(problems).toEqual([]);
    expect(connections.map((c) => [c.name, c.sandbox])).toEqual([
      ['clockify', true],
      ['gorules', true],
      ['projectmanager', true],
      ['zello', true],
    ]);
    const byName = new Map(connections.map((c) => [c.name, c]));
    expect(byName.get('clockify')!.values.apiKey).toBe(sandbox.env.CLOCKIFY_API_KEY);
    expect(byName.get('clockify')!.http.limits.rateLimit).toEqual({ requests: 30, intervalMs: 3_600_000 });
    expect(byName.get('zello')!.http.limits.maxInFlight).toBe(2);
    expect(byName.get('gorules')!.http.limits.maxInFlight).toBe(4); // the provider's default
    expect(byName.get('projectmanager')!.http.timeouts.responseMs).toBe(1234);
    // The retry behaviour a provider module documents comes through the same builder.
    expect(byName.get('projectmanager')!.http.retry.rateLimitBackoffMs).toEqual([1000, 5000]);
    expect(byName.get('clockify')!.http.retry.rateLimitBackoffMs).toBeUndefined();
  });

  it('keep their rate limits to this process, even when MEMBERS_MCP_SHARE_RATE_LIMIT is on: their simulators live here', () => {
    const env = { CLOCKIFY_RATE_LIMIT: '30/h', MEMBERS_MCP_SHARE_RATE_LIMIT: '1', XDG_CACHE_HOME: '/tmp/not-used' };
    const clockify = sandboxConnections(sandbox, env).connections.find((c) => c.name === 'clockify')!;
    expect(clockify.http.limits.rateLimit).toEqual({ requests: 30, intervalMs: 3_600_000 });
    expect(clockify.http.limits.sharedStateFile).toBeUndefined();
    // The same variables on a configured connection to the same simulator do share.
    expect(loadConnections({ ...sandbox.env, ...env }).connections.find((c) => c.name === 'clockify')!.http.limits.sharedStateFile).toMatch(/^\/tmp\/not-used\//);
  });

  it('are checked like configured ones: a bad limit makes that connection unusable, a bad server-wide setting stops the start', () => {
    const { connections, problems } = sandboxConnections(sandbox, { PROJECTMANAGER_RATE_LIMIT: 'lots' });
    expect(connections.map((c) => c.name)).toEqual(['clockify', 'gorules', 'zello']);
    expect(problems.map((p) => [p.name, p.message])).toEqual([['projectmanager', expect.stringContaining('PROJECTMANAGER_RATE_LIMIT: invalid rate limit "lots"')]]);
    expect(() => sandboxConnections(sandbox, { MEMBERS_MCP_TIMEOUT_MS: 'soon' })).toThrow(ConfigError);
  });
});
