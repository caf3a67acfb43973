import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connections } from '../src/connections.js';
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
});
