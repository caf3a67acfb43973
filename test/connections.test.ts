import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connections } from '../src/connections.js';
import { NO_JOURNAL } from '../src/core/journal.js';
import { silentLogger } from '../src/core/log.js';
import { Redactor } from '../src/core/redact.js';
import { PROVIDER_MODULES } from '../src/providers/registry.js';
import { sandboxConnections, startSandbox, type Sandbox } from '../src/sandbox/index.js';

describe('a connection', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('registers every secret setting of its provider with the redactor', async () => {
    const redactor = new Redactor();
    const connections = Connections.create(sandboxConnections(sandbox).connections, [], { logger: silentLogger(), redactor });
    try {
      const secrets = PROVIDER_MODULES.flatMap((module) => module.settings.filter((s) => s.secret).map((s) => sandbox.env[s.env]!));
      expect(secrets).toHaveLength(4);
      for (const secret of secrets) expect(redactor.redact(`key ${secret} here`)).toBe('key [REDACTED] here');
      // Settings that are not secret stay readable.
      expect(redactor.redact(sandbox.env.ZELLO_USERNAME!)).toBe(sandbox.env.ZELLO_USERNAME);
    } finally {
      await connections.close();
    }
  });

  it('names its provider the way the provider module does', async () => {
    const connections = Connections.create(sandboxConnections(sandbox).connections, [], { logger: silentLogger(), redactor: new Redactor() });
    expect(connections.list.map((c) => c.label)).toEqual(PROVIDER_MODULES.map((m) => m.label));
    await connections.close();
  });

  it('gets ready for the first call (undici, its pool) without contacting any provider', async () => {
    const connections = Connections.create(sandboxConnections(sandbox).connections, [], { logger: silentLogger(), redactor: new Redactor() });
    const requests = () => Object.values(sandbox.simulators).reduce((sum, simulator) => sum + simulator.requests.length, 0);
    const before = requests();
    try {
      await connections.preload();
      expect(requests()).toBe(before);
      const clockify = connections.resolve('clockify');
      const found = await clockify.provider.searchDirectory({ kind: 'team', query: '', limit: 5 }, { signal: new AbortController().signal, connection: 'clockify', journal: NO_JOURNAL, logger: silentLogger() });
      expect(found.entries.length).toBeGreaterThan(0);
      expect(requests()).toBe(before + 1);
    } finally {
      await connections.close();
    }
  });

  it('keeps a directory cache with the configured lifetime, or none', async () => {
    const lifetime = (env: Record<string, string>) =>
      Connections.create(sandboxConnections(sandbox, env).connections, [], { logger: silentLogger(), redactor: new Redactor() }).list.map((c) => c.directoryCache.settings.ttlMs);
    expect(lifetime({})).toEqual([60_000, 60_000, 60_000, 60_000]);
    expect(lifetime({ MEMBERS_MCP_DIRECTORY_CACHE_MS: '5000' })).toEqual([5000, 5000, 5000, 5000]);
    expect(lifetime({ MEMBERS_MCP_DIRECTORY_CACHE_MS: 'off' })).toEqual([0, 0, 0, 0]);
    expect(() => lifetime({ MEMBERS_MCP_DIRECTORY_CACHE_MS: 'a minute' })).toThrow(/MEMBERS_MCP_DIRECTORY_CACHE_MS must be a whole number of milliseconds/);
  });
});
