import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROVIDER_MODULES } from '../../src/providers/registry.js';
import { directorySchema, memberListSchema, mutationResultSchema } from '../../src/tools/schemas.js';
import { callTool, CLI, cleanEnv, startSandboxProcess, startServer } from '../helpers/stdio.js';

/** `project-members-mcp sandbox`: the simulators in a process of their own, as later fault, kill and scale tests use them. */
describe('the standalone sandbox', () => {
  it('prints one JSON line of variables, keeps state across server processes, and exits cleanly when stdin closes', async () => {
    const sandbox = await startSandboxProcess(['--people', '5', '--latency', '1']);
    try {
      // Every provider's settings (base URL, credentials, workspace), and nothing else.
      const expected = PROVIDER_MODULES.flatMap((module) => module.settings.map((setting) => setting.env));
      expect(Object.keys(sandbox.env).sort()).toEqual([...expected].sort());
      expect(sandbox.env.PROJECTMANAGER_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      // A server configured only by those variables (no --sandbox) changes something...
      const first = await startServer([], cleanEnv(sandbox.env));
      try {
        const added = await callTool(first, 'add_project_members', { provider: 'projectmanager', project: 'Office Move', users: ['person.0003@northwind.example.org'] });
        expect(mutationResultSchema.parse(added.structuredContent)).toMatchObject({ sandbox: false, results: [{ status: 'added', name: 'Person 0003' }] });
        // Generated people on Zello are members of every workspace, so they can join any project.
        const zello = await callTool(first, 'add_project_members', { provider: 'zello', project: 'Vendor Onboarding', users: ['person.0004@zello.example.net'] });
        expect(mutationResultSchema.parse(zello.structuredContent).results[0]).toMatchObject({ status: 'added', role: 'Member' });
      } finally {
        await first.client.close();
      }

      // ...and a second server process sees it.
      const second = await startServer([], cleanEnv(sandbox.env));
      try {
        const office = memberListSchema.parse((await callTool(second, 'list_project_members', { provider: 'projectmanager', project: 'Office Move' })).structuredContent);
        expect(office.members.map((m) => m.name)).toContain('Person 0003');
        const vendors = memberListSchema.parse((await callTool(second, 'list_project_members', { provider: 'zello', project: 'Vendor Onboarding' })).structuredContent);
        expect(vendors.members.map((m) => m.name)).toContain('Person 0004');
        // --people put five generated, active people with emails in every provider's directory.
        for (const provider of ['clockify', 'gorules', 'projectmanager', 'zello']) {
          const found = directorySchema.parse((await callTool(second, 'search_directory', { provider, kind: 'user', query: 'person.000', limit: 20 })).structuredContent);
          expect(found.entries.map((e) => e.name), provider).toEqual(['Person 0001', 'Person 0002', 'Person 0003', 'Person 0004', 'Person 0005']);
          expect(found.entries.every((e) => e.email?.startsWith('person.000')), provider).toBe(true);
        }
        expect(second.protocolErrors).toEqual([]);
      } finally {
        await second.client.close();
      }

      sandbox.child.stdin.end();
      expect(await sandbox.exited).toEqual([0, null]);
      // Nothing but the one line on stdout; the logs went to stderr.
      expect(sandbox.stdout()).toBe(`${JSON.stringify({ env: sandbox.env })}\n`);
      expect(sandbox.stderr()).toContain('simulators started');
      expect(sandbox.stderr()).toContain('stopping (stdin closed)');
    } finally {
      sandbox.child.kill();
    }
  });

  it('offers a control channel for tests only when asked, on loopback, to holders of its token', async () => {
    const sandbox = await startSandboxProcess([], { control: true });
    try {
      const control = sandbox.control!;
      expect(control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(Object.values(sandbox.env)).not.toContain(control.url); // a port of its own, apart from the simulators
      await expect(control.call('GET', '/requests?provider=clockify', undefined, 'not-the-token')).rejects.toMatchObject({ status: 401 });
      await control.fault('clockify', { match: { method: 'GET', path: { regex: '/workspaces$' } }, status: 503, times: 1 });
      const reply = await fetch(`${sandbox.env.CLOCKIFY_BASE_URL}/v1/workspaces`, { headers: { 'x-api-key': sandbox.env.CLOCKIFY_API_KEY! } });
      expect(reply.status).toBe(503);
      const { records } = await control.requests('clockify');
      expect(records.map((r) => [r.method, r.path, r.fault])).toEqual([['GET', '/api/v1/workspaces', 'before: status 503']]);
      expect(records[0]).not.toHaveProperty('headers');
    } finally {
      sandbox.child.kill();
    }
  });

  it('exits with code 0 on SIGTERM', async () => {
    const sandbox = await startSandboxProcess();
    sandbox.child.kill('SIGTERM');
    expect(await sandbox.exited).toEqual([0, null]);
    expect(sandbox.stderr()).toContain('stopping (SIGTERM)');
    expect(sandbox.stdout().trim().split('\n')).toHaveLength(1);
  });

  it('refuses a bad count with exit code 2 and nothing on stdout', () => {
    const run = spawnSync(process.execPath, [CLI, 'sandbox', '--people', 'many'], { env: cleanEnv(), encoding: 'utf8', input: '' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--people must be a whole number');
  });
});
