import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../src/tools/schemas.js';
import { parseJournal } from '../../src/core/journal.js';
import { callTool, CLI, cleanEnv, startServer, type StdioSession, type ToolResult as Result } from '../helpers/stdio.js';
import { runAgentSession } from '../helpers/agent-session.js';
import { tempDir } from '../helpers/temp.js';

describe('the built server over stdio', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/src/cli.js is missing: run `npm run build` (npm test does)');
  });

  describe('with --sandbox', () => {
    let session: StdioSession;
    beforeAll(async () => {
      session = await startServer(['--sandbox']);
    });
    afterAll(async () => {
      await session.client.close();
    });

    it('lists the six tools of the contract', async () => {
      const { tools } = await session.client.listTools();
      expect(tools.map((t) => t.name)).toEqual([
        'add_project_members',
        'remove_project_members',
        'add_team_to_project',
        'list_project_members',
        'list_user_memberships',
        'search_directory',
      ]);
    });

    it('writes only protocol messages to stdout and logs to stderr', () => {
      expect(session.protocolErrors).toEqual([]);
      expect(session.stderr.join('')).toContain('sandbox: simulators started');
    });
  });

  it('carries the agent session (the same one test/e2e/http.test.ts runs over HTTP)', async () => {
    const { client } = await startServer(['--sandbox']);
    try {
      await runAgentSession(client);
    } finally {
      await client.close();
    }
  });

  it('journals every write before the tool returns, without secrets', async () => {
    const path = join(tempDir('journal-'), 'writes.jsonl');
    const session = await startServer(['--sandbox', '--journal', path]);
    try {
      const result = await callTool(session, 'add_project_members', {
        provider: 'clockify',
        project: 'Website Redesign',
        users: ['chloe.park@acme.example', 'grace.okafor@acme.example'],
        role: 'manager',
      });
      expect(result.isError).toBeFalsy();
      // Read as soon as the tool returned: the lines must already be on disk.
      const lines = parseJournal(readFileSync(path, 'utf8'));
      // Each write's intent before its outcome; the two role writes run side by side.
      const byWrite = (operation: string) => {
        const groups = new Map<string, string[]>();
        for (const line of lines.filter((l) => l.operation === operation)) groups.set(line.write, [...(groups.get(line.write) ?? []), line.outcome]);
        return [...groups.values()];
      };
      expect(lines.slice(0, 4).map((line) => [line.operation, line.user, line.outcome])).toEqual([
        ['add', '64b000000000000000000003', 'planned'],
        ['add', '64b000000000000000000007', 'planned'],
        ['add', '64b000000000000000000003', 'applied'],
        ['add', '64b000000000000000000007', 'applied'],
      ]);
      expect(byWrite('set_role')).toEqual([
        ['planned', 'applied'],
        ['planned', 'applied'],
      ]);
      expect(lines[0]).toMatchObject({ connection: 'clockify', provider: 'clockify', project: '64d000000000000000000001' });
      expect(Date.parse(lines[0]!.time)).not.toBeNaN();
      expect(readFileSync(path, 'utf8')).not.toContain('sandbox-clockify-admin-key');
    } finally {
      await session.client.close();
    }
  });

  it('asks the person over stdio before a removal from several projects, and journals what confirmed it', async () => {
    const path = join(tempDir('journal-'), 'writes.jsonl');
    const questions: string[] = [];
    const session = await startServer(['--sandbox', '--journal', path], cleanEnv(), {
      elicit: (request) => (questions.push(request.message), { action: 'accept', content: { confirm: true } }),
    });
    try {
      const chloe = 'chloe.park@acme.example';
      const projects = ['Website Redesign', 'Data Platform'];
      for (const project of projects) expect((await callTool(session, 'add_project_members', { provider: 'clockify', project, users: [chloe] })).isError).toBeFalsy();
      const result = await callTool(session, 'remove_project_members', { provider: 'clockify', projects, users: [chloe] });
      expect(result.isError, result.content[0]?.text).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ summary: { requested: 2, changed: 2 } });
      expect(questions).toHaveLength(1);
      expect(questions[0]).toMatch(/^Remove 1 person from 2 projects/);
      const removals = parseJournal(readFileSync(path, 'utf8')).filter((line) => line.operation === 'remove');
      // Per project (they are written side by side): the request's intent, then its outcome, under one write id.
      const perProject = new Map<string, Array<[string, string, string | undefined]>>();
      for (const line of removals) perProject.set(line.project, [...(perProject.get(line.project) ?? []), [line.write, line.outcome, line.confirmedBy]]);
      expect(perProject.size).toBe(2);
      for (const lines of perProject.values()) {
        const write = lines[0]![0];
        expect(lines).toEqual([
          [write, 'planned', 'elicitation'],
          [write, 'applied', 'elicitation'],
        ]);
      }
      expect(session.protocolErrors).toEqual([]);
    } finally {
      await session.client.close();
    }
  });

  it('starts with nothing configured and answers NOT_CONFIGURED naming the variables', async () => {
    const { client, stderr } = await startServer([]);
    try {
      const result = (await client.callTool({ name: 'list_project_members', arguments: { project: 'Website' } })) as Result;
      expect(result.isError).toBe(true);
      const { error } = errorEnvelopeSchema.parse(result.structuredContent);
      expect(error.code).toBe('NOT_CONFIGURED');
      expect(error.hint).toContain('CLOCKIFY_API_KEY');
      expect(stderr.join('')).toMatch(/no provider connection is configured/);
    } finally {
      await client.close();
    }
  });

  it('reports an invalid setting on stderr and through the tools, never echoing the key', async () => {
    const { client, stderr } = await startServer([], cleanEnv({ CLOCKIFY_API_KEY: 'k-secret-123456', CLOCKIFY_WORKSPACE_ID: 'not-an-id' }));
    try {
      const result = (await client.callTool({ name: 'search_directory', arguments: { kind: 'user', query: '' } })) as Result;
      const { error } = errorEnvelopeSchema.parse(result.structuredContent);
      expect(error.code).toBe('NOT_CONFIGURED');
      expect(error.message).toContain('CLOCKIFY_WORKSPACE_ID must be a workspace id');
      expect(stderr.join('')).toContain('CLOCKIFY_WORKSPACE_ID must be a workspace id');
      expect(`${stderr.join('')}${JSON.stringify(result)}`).not.toContain('k-secret-123456');
    } finally {
      await client.close();
    }
  });

  it('prints help, and refuses unknown options with exit code 2', () => {
    const help = spawnSync(process.execPath, [CLI, '--help'], { env: cleanEnv(), encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--sandbox');
    expect(help.stdout).toContain('CLOCKIFY_API_KEY');
    const wrong = spawnSync(process.execPath, [CLI, '--sandbx'], { env: cleanEnv(), encoding: 'utf8' });
    expect(wrong.status).toBe(2);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/Unknown option '--sandbx'/);
  });

  it('refuses a bad log level in one line naming the accepted values, from the flag or the environment', () => {
    for (const [args, env, where] of [
      [['--log-level', 'verbose'], cleanEnv(), '--log-level'],
      [[], cleanEnv({ MEMBERS_MCP_LOG_LEVEL: 'verbose' }), 'MEMBERS_MCP_LOG_LEVEL'],
    ] as const) {
      const run = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', input: '' });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`[project-members-mcp] error: ${where}: invalid log level "verbose" (expected one of debug, info, warning, error)\n`);
    }
  });
});
