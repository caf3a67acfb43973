import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directorySchema, errorEnvelopeSchema, memberListSchema, mutationResultSchema, teamResultSchema } from '../../src/tools/schemas.js';
import { callTool, cleanEnv, startSandboxProcess, startServer, type SandboxProcess, type StdioSession } from '../helpers/stdio.js';

/**
 * Every tool on every provider through the built server over stdio: once on the in-process
 * sandbox (--sandbox), once on the standalone sandbox (`project-members-mcp sandbox`) with a
 * server configured only by the variables it printed. The same scenarios pass on both.
 */
type Scenario = (session: StdioSession, sandbox: boolean) => Promise<void>;

const SCENARIOS: Array<[string, Scenario]> = [
  [
    'clockify',
    async (session, sandbox) => {
      const provider = 'clockify';
      const search = directorySchema.parse((await callTool(session, 'search_directory', { provider, kind: 'user', query: 'diego' })).structuredContent);
      expect(search).toMatchObject({ sandbox, entries: [{ name: 'Diego Rivera' }] });
      const added = mutationResultSchema.parse((await callTool(session, 'add_project_members', { provider, project: 'Website Redesign', users: [search.entries[0]!.id] })).structuredContent);
      expect(added.results[0]!.status).toBe('added');
      const listed = memberListSchema.parse((await callTool(session, 'list_project_members', { provider, project: 'Website Redesign' })).structuredContent);
      expect(listed.members.map((m) => m.name)).toContain('Diego Rivera');
      const removed = mutationResultSchema.parse((await callTool(session, 'remove_project_members', { provider, project: 'Website Redesign', users: ['Diego Rivera'] })).structuredContent);
      expect(removed.results[0]!.status).toBe('removed');
      const team = teamResultSchema.parse((await callTool(session, 'add_team_to_project', { provider, project: 'Website Redesign', team: 'QA', dryRun: true })).structuredContent);
      expect(team.results.map((r) => r.status)).toEqual(['would_add', 'skipped']);
      const bad = await callTool(session, 'add_project_members', { provider, project: 'Website Redesign', users: [] });
      expect(bad.isError).toBe(true);
      expect(errorEnvelopeSchema.parse(bad.structuredContent).error.code).toBe('INVALID_ARGUMENT');
    },
  ],
  [
    'gorules',
    async (session) => {
      const provider = 'gorules';
      const users = directorySchema.parse((await callTool(session, 'search_directory', { provider, kind: 'user', query: 'ortega' })).structuredContent);
      expect(users.entries.map((e) => e.name)).toEqual(['Luis Ortega']);
      const added = mutationResultSchema.parse((await callTool(session, 'add_project_members', { provider, project: 'Fraud Detection', users: [users.entries[0]!.id] })).structuredContent);
      expect(added.results[0]!.status).toBe('added');
      const team = teamResultSchema.parse((await callTool(session, 'add_team_to_project', { provider, project: 'Fraud Detection', team: 'Pricing Analysts', dryRun: true })).structuredContent);
      expect(team.results.map((r) => r.status)).toEqual(['would_add', 'would_add', 'would_add']);
      const listed = memberListSchema.parse((await callTool(session, 'list_project_members', { provider, project: 'Fraud Detection' })).structuredContent);
      expect(listed.members.map((m) => m.name)).toEqual(['Ada Novak', 'Luis Ortega']);
      const removed = mutationResultSchema.parse((await callTool(session, 'remove_project_members', { provider, project: 'Fraud Detection', users: ['Luis Ortega'] })).structuredContent);
      expect(removed.results[0]!.status).toBe('removed');
    },
  ],
  [
    'projectmanager',
    async (session) => {
      const provider = 'projectmanager';
      const team = directorySchema.parse((await callTool(session, 'search_directory', { provider, kind: 'team', query: 'field' })).structuredContent);
      expect(team.entries.map((e) => e.name)).toEqual(['Field Ops']);
      const added = teamResultSchema.parse((await callTool(session, 'add_team_to_project', { provider, project: 'Office Move', team: team.entries[0]!.id })).structuredContent);
      expect(added.results.map((r) => r.status)).toEqual(['added', 'added']);
      const members = memberListSchema.parse((await callTool(session, 'list_project_members', { provider, project: 'Office Move' })).structuredContent);
      expect(members.members).toHaveLength(3);
      const manager = mutationResultSchema.parse((await callTool(session, 'add_project_members', { provider, project: 'Office Move', users: ['Yuki Mori'], role: 'manager' })).structuredContent);
      expect(manager.results[0]).toMatchObject({ status: 'updated', role: 'Manager' });
      const removed = mutationResultSchema.parse((await callTool(session, 'remove_project_members', { provider, project: 'Office Move', users: ['Yuki Mori', 'Tomás Silva'] })).structuredContent);
      expect(removed.summary.changed).toBe(2);
      const owner = await callTool(session, 'add_project_members', { provider, project: 'Office Move', users: ['Yuki Mori'], role: 'owner' });
      expect(errorEnvelopeSchema.parse(owner.structuredContent).error.code).toBe('UNSUPPORTED');
    },
  ],
  [
    'zello',
    async (session) => {
      const provider = 'zello';
      const users = directorySchema.parse((await callTool(session, 'search_directory', { provider, kind: 'user', query: 'okoro' })).structuredContent);
      expect(users.entries.map((e) => e.name)).toEqual(['Sam Okoro']);
      const added = mutationResultSchema.parse((await callTool(session, 'add_project_members', { provider, project: 'Vendor Onboarding', users: [users.entries[0]!.id] })).structuredContent);
      expect(added.results[0]).toMatchObject({ status: 'added', role: 'Member' });
      const listed = memberListSchema.parse((await callTool(session, 'list_project_members', { provider, project: 'Vendor Onboarding' })).structuredContent);
      expect(listed.members.map((m) => m.name)).toContain('Sam Okoro');
      for (const [tool, args] of [
        ['remove_project_members', { provider, project: 'Vendor Onboarding', users: ['Sam Okoro'] }],
        ['add_team_to_project', { provider, project: 'Vendor Onboarding', team: 'Ops' }],
      ] as const) {
        const result = await callTool(session, tool, args);
        expect(errorEnvelopeSchema.parse(result.structuredContent).error.code).toBe('UNSUPPORTED');
      }
      expect(session.stderr.join('')).not.toContain('sandbox-zello-admin-password');
    },
  ],
];

describe.each([
  ['the in-process sandbox (--sandbox)', true],
  ['the standalone sandbox, with a server configured by its variables', false],
])('the built server over stdio on %s', (_label, inProcess) => {
  let session: StdioSession;
  let sandbox: SandboxProcess | undefined;
  beforeAll(async () => {
    if (inProcess) session = await startServer(['--sandbox']);
    else {
      sandbox = await startSandboxProcess();
      session = await startServer([], cleanEnv(sandbox.env));
    }
  });
  afterAll(async () => {
    await session.client.close();
    if (sandbox) {
      sandbox.child.stdin.end();
      await sandbox.exited;
    }
  });

  it.each(SCENARIOS)('runs every tool on the %s connection', async (_provider, scenario) => {
    await scenario(session, inProcess);
    expect(session.protocolErrors).toEqual([]);
  });
});
