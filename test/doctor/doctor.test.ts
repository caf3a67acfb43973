import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import type { ProviderKind } from '../../src/core/types.js';
import { runDoctor } from '../../src/doctor/index.js';
import { formatReport, type ConnectionReport, type DoctorReport } from '../../src/doctor/report.js';
import { providerModule } from '../../src/providers/registry.js';
import { CLOCKIFY_SANDBOX_MEMBER_KEY, CLOCKIFY_SANDBOX_WORKSPACE } from '../../src/sandbox/clockify/seed.js';
import { GORULES_NO_MANAGE_TOKEN } from '../../src/sandbox/gorules/seed.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { PM_MEMBER_KEY } from '../../src/sandbox/projectmanager/seed.js';
import { ZELLO_MEMBER } from '../../src/sandbox/zello/seed.js';
import { TEST_ENV } from '../helpers/sandbox.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.stop();
});

/** The sandbox's variables of these providers only. */
function envOf(...kinds: ProviderKind[]): Record<string, string> {
  const prefixes = kinds.map((kind) => `${providerModule(kind)!.envPrefix}_`);
  return Object.fromEntries(Object.entries(sandbox.env).filter(([name]) => prefixes.some((prefix) => name.startsWith(prefix))));
}

async function doctor(env: Record<string, string>, json = true): Promise<{ code: number; report: DoctorReport; output: string }> {
  let output = '';
  const code = await runDoctor({ env: { ...TEST_ENV, ...env }, sandbox: false, json, logger: silentLogger(), write: (text) => (output += text) });
  return { code, report: json ? (JSON.parse(output) as DoctorReport) : (undefined as never), output };
}

function only(report: DoctorReport): ConnectionReport {
  expect(report.connections).toHaveLength(1);
  return report.connections[0]!;
}

function check(connection: ConnectionReport, name: string) {
  return connection.checks.filter((c) => c.check === name);
}

/** Every request the simulators received since `mark` (their request counts then). */
function requestsSince(mark: Record<string, number>) {
  return Object.entries(sandbox.simulators).flatMap(([kind, simulator]) => simulator.requests.slice(mark[kind] ?? 0));
}
function mark(): Record<string, number> {
  return Object.fromEntries(Object.entries(sandbox.simulators).map(([kind, simulator]) => [kind, simulator.requests.length]));
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('doctor on healthy connections', () => {
  it('reports every connection usable, with every check passed, and exits 0', async () => {
    const before = mark();
    const { code, report } = await doctor(sandbox.env);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.connections.map((c) => [c.connection, c.provider, c.status])).toEqual([
      ['clockify', 'clockify', 'ok'],
      ['gorules', 'gorules', 'ok'],
      ['projectmanager', 'projectmanager', 'ok'],
      ['zello', 'zello', 'ok'],
    ]);
    for (const connection of report.connections) {
      expect(connection.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['settings', 'reachable', 'credentials', 'permissions']));
      expect(connection.checks.every((c) => c.status === 'ok'), JSON.stringify(connection.checks)).toBe(true);
      expect(connection.fix).toBeUndefined();
    }
    // It changes nothing: reads only (and Zello's login, which changes no state).
    const writes = requestsSince(before).filter((r) => r.method !== 'GET' && !(r.method === 'POST' && /\/User\/login$/i.test(r.path)));
    expect(writes).toEqual([]);
  });

  it("reports the connection's rate limit and what is left of it after its own requests", async () => {
    const before = mark();
    const { report } = await doctor({ ...envOf('clockify'), CLOCKIFY_RATE_LIMIT: '30/h' });
    const made = requestsSince(before).length;
    expect(made).toBeGreaterThan(0);
    expect(only(report).rateLimit).toEqual({ limit: '30/h', capacity: 30, available: 30 - made });
    const unlimited = await doctor(envOf('zello'));
    expect(only(unlimited.report).rateLimit).toEqual({ limit: 'off' });
  });

  it('prints a table a person reads at a glance, then each check', async () => {
    const { code, output } = await doctor({ ...envOf('clockify', 'gorules'), GORULES_TOKEN: 'not-a-token' }, false);
    expect(code).toBe(1);
    const lines = output.split('\n');
    expect(lines[0]).toBe('project-members-mcp doctor: 2 connections checked, 1 unusable.');
    expect(lines[2]).toMatch(/^CONNECTION\s+PROVIDER\s+STATUS\s+RATE LIMIT\s+WHAT TO FIX$/);
    expect(lines[3]).toMatch(/^clockify\s+Clockify\s+ok\s+50\/s: \d+ of 50 left\s+-$/);
    expect(lines[4]).toMatch(/^gorules\s+GoRules BRMS\s+UNUSABLE\s+off\s+\S/);
    // The columns line up.
    expect(lines[3]!.indexOf('ok')).toBe(lines[2]!.indexOf('STATUS'));
    expect(output).toContain('  FAILED   credentials  GoRules BRMS answered HTTP 401');
    expect(output).not.toContain('not-a-token');
  });
});

describe('doctor on broken connections', () => {
  it.each([
    ['clockify', { CLOCKIFY_API_KEY: 'wrong-key-123' }, 'wrong-key-123'],
    ['gorules', { GORULES_TOKEN: 'wrong-token-123' }, 'wrong-token-123'],
    ['projectmanager', { PROJECTMANAGER_API_KEY: 'wrong-key-456' }, 'wrong-key-456'],
    ['zello', { ZELLO_PASSWORD: 'wrong-password-789' }, 'wrong-password-789'],
  ] as const)('%s: a wrong secret fails the credentials check, exits 1, and never shows the secret', async (kind, change, secret) => {
    const { code, report, output } = await doctor({ ...envOf(kind), ...change });
    expect(code).toBe(1);
    const connection = only(report);
    expect(connection.status).toBe('unusable');
    expect(check(connection, 'reachable').map((c) => c.status)).toEqual(['ok']);
    expect(check(connection, 'credentials')).toEqual([expect.objectContaining({ status: 'failed', fix: expect.any(String) })]);
    expect(check(connection, 'permissions')).toEqual([]);
    expect(connection.fix).toBe(check(connection, 'credentials')[0]!.fix);
    expect(output).not.toContain(secret);
  });

  it.each(['clockify', 'gorules', 'projectmanager', 'zello'] as const)('%s: an unreachable host fails the reachability check and exits 1', async (kind) => {
    const setting = providerModule(kind)!.settings.find((s) => s.key === 'baseUrl')!.env;
    const { code, report } = await doctor({ ...envOf(kind), [setting]: `http://127.0.0.1:${await closedPort()}` });
    expect(code).toBe(1);
    const connection = only(report);
    expect(connection.status).toBe('unusable');
    expect(check(connection, 'reachable')).toEqual([expect.objectContaining({ status: 'failed', message: expect.stringMatching(/Could not reach|ECONNREFUSED/) })]);
    expect(check(connection, 'credentials')).toEqual([]);
  });

  it('warns of a plain-http base URL beyond loopback, and not of one on it', async () => {
    const setting = providerModule('clockify')!.settings.find((s) => s.key === 'baseUrl')!.env;
    const port = await closedPort();
    for (const [host, status] of [['127.0.0.2', 'ok'], ['[::1]', 'ok'], ['0.0.0.0', 'warning']] as const) {
      const { report } = await doctor({ ...envOf('clockify'), [setting]: `http://${host}:${port}` });
      expect(check(only(report), 'settings'), host).toEqual([expect.objectContaining({ status })]);
      if (status === 'warning') expect(check(only(report), 'settings')[0]!.message).toContain('Plain http: the credentials cross the network unencrypted.');
    }
  });

  it('a base URL that answers with something else than the API fails reachability, saying so', async () => {
    // Some other web server: a 404 page for every path.
    const other = createHttpServer((_request, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not Found</html>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const { report } = await doctor({ ...envOf('clockify'), CLOCKIFY_BASE_URL: `http://127.0.0.1:${(other.address() as { port: number }).port}/api` });
      expect(check(only(report), 'reachable')).toEqual([expect.objectContaining({ status: 'failed', message: expect.stringContaining("does not look like Clockify's API") })]);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('Clockify: a key of an ordinary member is usable only on projects they manage (a warning)', async () => {
    const { code, report } = await doctor({ ...envOf('clockify'), CLOCKIFY_API_KEY: CLOCKIFY_SANDBOX_MEMBER_KEY });
    expect(code).toBe(0);
    const connection = only(report);
    expect(connection.status).toBe('warning');
    expect(check(connection, 'permissions')).toEqual([expect.objectContaining({ status: 'warning', message: expect.stringContaining('Not an admin or owner of "Acme Studio"') })]);
    expect(connection.fix).toMatch(/workspace admin or owner/);
  });

  it('Clockify: a default workspace the key cannot see is unusable; several workspaces and none chosen is a warning', async () => {
    const foreign = '64a0000000000000000000ff';
    const { report } = await doctor({ ...envOf('clockify'), CLOCKIFY_WORKSPACE_ID: foreign });
    expect(only(report).status).toBe('unusable');
    expect(check(only(report), 'settings')).toContainEqual(expect.objectContaining({ status: 'failed', message: expect.stringContaining(`CLOCKIFY_WORKSPACE_ID ${foreign} is not one of this key's workspaces: "Acme Studio"`) }));

    // The sandbox's key sees two workspaces.
    const { CLOCKIFY_WORKSPACE_ID: _default, ...withoutDefault } = envOf('clockify');
    const several = await doctor(withoutDefault);
    expect(only(several.report).status).toBe('warning');
    expect(check(only(several.report), 'settings')).toContainEqual(expect.objectContaining({ status: 'warning', message: expect.stringContaining('The key sees 2 workspaces') }));
    expect(only(several.report).fix).toMatch(/Set CLOCKIFY_WORKSPACE_ID/);
  });

  it("Clockify: a free-plan workspace with more than 30 requests an hour allowed is a warning naming CLOCKIFY_RATE_LIMIT=30/h", async () => {
    const workspace = sandbox.simulators.clockify.workspace(CLOCKIFY_SANDBOX_WORKSPACE);
    workspace.plan = 'FREE';
    try {
      const fast = await doctor(envOf('clockify'));
      expect(only(fast.report).status).toBe('warning');
      expect(only(fast.report).fix).toContain('CLOCKIFY_RATE_LIMIT=30/h');
      const slow = await doctor({ ...envOf('clockify'), CLOCKIFY_RATE_LIMIT: '30/h' });
      expect(only(slow.report).status).toBe('ok');
    } finally {
      delete workspace.plan;
    }
  });

  it('GoRules: a token without Project Manage is unusable', async () => {
    const { code, report } = await doctor({ ...envOf('gorules'), GORULES_TOKEN: GORULES_NO_MANAGE_TOKEN });
    expect(code).toBe(1);
    expect(check(only(report), 'credentials').map((c) => c.status)).toEqual(['ok']);
    expect(check(only(report), 'permissions')).toEqual([expect.objectContaining({ status: 'failed', message: expect.stringContaining('lacks the Project Manage permission') })]);
    expect(only(report).fix).toMatch(/Project Manage/);
  });

  it('ProjectManager.com: a key of a user who is not an admin is usable only where they manage (a warning)', async () => {
    const { code, report } = await doctor({ ...envOf('projectmanager'), PROJECTMANAGER_API_KEY: PM_MEMBER_KEY });
    expect(code).toBe(0);
    expect(check(only(report), 'credentials')).toEqual([expect.objectContaining({ status: 'ok', message: expect.stringContaining('Marcus Reed') })]);
    expect(check(only(report), 'permissions')).toEqual([expect.objectContaining({ status: 'warning', message: expect.stringContaining('is not an admin (role "Team Member")') })]);
  });

  it('Zello: an account that is not a system Admin is unusable', async () => {
    const { code, report } = await doctor({ ...envOf('zello'), ZELLO_USERNAME: ZELLO_MEMBER.username, ZELLO_PASSWORD: ZELLO_MEMBER.password });
    expect(code).toBe(1);
    expect(check(only(report), 'credentials').map((c) => c.status)).toEqual(['ok']);
    expect(check(only(report), 'permissions')).toEqual([expect.objectContaining({ status: 'failed', message: expect.stringContaining('is not a system Admin (its level is Member)') })]);
  });

  it('Zello: an Admin who is not Owner of every workspace is warned, workspace by workspace', async () => {
    const operations = sandbox.simulators.zello.state.workspaces[1]!;
    const admin = operations.members[0]!;
    admin.accessLevel = 'Member';
    try {
      const { code, report } = await doctor(envOf('zello'));
      expect(code).toBe(0);
      expect(check(only(report), 'permissions')).toEqual([
        expect.objectContaining({ status: 'warning', message: 'System Admin, Owner of 1 of 2 workspaces; below Owner in "Operations" (Member) (it can grant at most its own level there).' }),
      ]);
    } finally {
      admin.accessLevel = 'Owner';
    }
  });

  it('a spent rate limit is reported as not checked (a warning), at once rather than after a wait', async () => {
    const { code, report } = await doctor({ ...envOf('clockify'), CLOCKIFY_RATE_LIMIT: '2/h' });
    expect(code).toBe(0);
    const connection = only(report);
    expect(connection.status).toBe('warning');
    expect(connection.checks).toContainEqual(expect.objectContaining({ status: 'warning', message: expect.stringMatching(/^Not checked: .*rate limit/i) }));
    expect(connection.rateLimit).toMatchObject({ limit: '2/h', available: 0, nextAt: expect.any(String) });
  });

  it('a connection whose settings are unusable is reported without any request, with the problem as what to fix', async () => {
    const before = mark();
    const { code, report } = await doctor({ ...envOf('clockify', 'zello'), CLOCKIFY_API_KEY: 'your-clockify-api-key', ZELLO_RATE_LIMIT: 'lots' });
    expect(code).toBe(1);
    expect(report.connections.map((c) => [c.connection, c.status])).toEqual([
      ['clockify', 'unusable'],
      ['zello', 'unusable'],
    ]);
    expect(report.connections[0]!.fix).toContain('CLOCKIFY_API_KEY is still a placeholder');
    expect(report.connections[1]!.fix).toContain('ZELLO_RATE_LIMIT: invalid rate limit "lots"');
    expect(requestsSince(before)).toEqual([]);
  });

  it('with nothing configured, says what to set and exits 1', async () => {
    const { code, report } = await doctor({});
    expect(code).toBe(1);
    expect(report).toEqual({ ok: false, connections: [], message: expect.stringContaining('CLOCKIFY_API_KEY') });
    expect(formatReport(report)).toContain('No provider connection is configured');
  });
});
