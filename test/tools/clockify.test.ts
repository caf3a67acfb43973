import { describe, expect, it } from 'vitest';
import { CLOCKIFY_SANDBOX_WORKSPACE as WS, clockifyId } from '../../src/sandbox/clockify/seed.js';
import { directorySchema, mutationResultSchema, teamResultSchema } from '../../src/tools/schemas.js';
import { expectToolError, toolSession } from '../helpers/sandbox.js';

const WEBSITE = clockifyId('project', 1);
const session = toolSession('clockify');
const call = session.call;

describe('Clockify through the MCP tools', () => {
  it('add_project_members: structured per-member results, a summary that adds up, and a readable text', async () => {
    const result = await call('add_project_members', { project: 'Website Redesign', users: ['chloe.park@acme.example', 'ben.carter@acme.example', 'nobody@acme.example'] });
    expect(result.isError).toBeFalsy();
    const body = mutationResultSchema.parse(result.structuredContent);
    expect(body).toMatchObject({ connection: 'clockify', provider: 'clockify', sandbox: true, dryRun: false, project: { id: WEBSITE, name: 'Website Redesign' } });
    expect(body.results.map((r) => r.status)).toEqual(['added', 'already_member', 'failed']);
    expect(body.summary).toEqual({ requested: 3, changed: 1, unchanged: 1, failed: 1 });
    expect(result.content[0]!.text).toBe(
      `Clockify project "Website Redesign": 1 added, 1 already a member, 1 failed. Failed: nobody@acme.example (NOT_FOUND: No user with this email in workspace ${WS}.). ` +
        'For users not found, check the spelling, or find them with search_directory (kind "user").',
    );
    expect(session.box.sandbox.simulators.clockify.project(WS, WEBSITE).userIds).toContain(clockifyId('user', 3));
  });

  it('remove_project_members: dry run first, then the removal', async () => {
    const dry = await call('remove_project_members', { project: WEBSITE, users: ['Ben Carter'], dryRun: true });
    expect(mutationResultSchema.parse(dry.structuredContent)).toMatchObject({ dryRun: true, results: [{ status: 'would_remove' }], summary: { changed: 1 } });
    expect(dry.content[0]!.text).toMatch(/^Dry run, nothing changed\./);
    expect(session.box.sandbox.simulators.clockify.project(WS, WEBSITE).userIds).toContain(clockifyId('user', 2));
    const done = await call('remove_project_members', { project: WEBSITE, users: ['Ben Carter'] });
    expect(mutationResultSchema.parse(done.structuredContent).results[0]!.status).toBe('removed');
    expect(session.box.sandbox.simulators.clockify.project(WS, WEBSITE).userIds).not.toContain(clockifyId('user', 2));
  });

  it('add_team_to_project: the team and its mode beside one result per member', async () => {
    const result = await call('add_team_to_project', { project: WEBSITE, team: 'Design' });
    const body = teamResultSchema.parse(result.structuredContent);
    expect(body.team).toEqual({ id: clockifyId('group', 1), name: 'Design', mode: 'native' });
    expect(body.summary).toEqual({ requested: 3, changed: 3, unchanged: 0, failed: 0 });
  });

  it('refuses a role the provider cannot express before any request', async () => {
    const before = session.box.sandbox.simulators.clockify.requests.length;
    const error = expectToolError(await call('add_project_members', { project: WEBSITE, users: ['Ben Carter'], role: 'owner' }), 'UNSUPPORTED');
    expect(error.message).toContain('manager (PROJECT_MANAGER)');
    expectToolError(await call('add_team_to_project', { project: WEBSITE, team: 'Design', role: 'manager' }), 'UNSUPPORTED');
    expectToolError(await call('add_project_members', { project: WEBSITE, users: ['Ben Carter'], groups: ['Admins'] }), 'UNSUPPORTED');
    expect(session.box.sandbox.simulators.clockify.requests.length).toBe(before);
  });

  it('search_directory returns entries with ids', async () => {
    const result = await call('search_directory', { kind: 'user', query: 'Chloe' });
    const body = directorySchema.parse(result.structuredContent);
    expect(body).toMatchObject({ kind: 'user', truncated: false, entries: [{ id: clockifyId('user', 3), name: 'Chloe Park', email: 'chloe.park@acme.example' }] });
    expect(result.content[0]!.text).toContain('Chloe Park <chloe.park@acme.example>');
  });
});
