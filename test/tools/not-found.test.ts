import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, expectToolError, startTestSandbox, type TestSandbox, type ToolCallResult } from '../helpers/sandbox.js';

let box: TestSandbox;
let session: Awaited<ReturnType<typeof connectClient>>;
beforeAll(async () => {
  box = await startTestSandbox();
  session = await connectClient(box.connections);
  await session.client.listTools();
});
afterAll(async () => {
  await session.close();
  await box.stop();
});

async function call(name: string, args: Record<string, unknown>): Promise<ToolCallResult> {
  return (await session.client.callTool({ name, arguments: args })) as ToolCallResult;
}

describe('a name that matches nothing', () => {
  it.each([
    ['clockify', 'Websit Redesign', 'Website Redesign'],
    ['clockify', 'website', 'Website Redesign'],
    ['gorules', 'Pricing Engin', 'Pricing Engine'],
    ['projectmanager', 'Warehouse Rolout', 'Warehouse Rollout'],
    ['zello', 'Roadmap Bord', 'Roadmap Board'],
  ])('%s: project "%s" is NOT_FOUND naming the closest, "%s", with its id', async (provider, typed, closest) => {
    const error = expectToolError(await call('list_project_members', { provider, project: typed }), 'NOT_FOUND');
    expect(error.message).toMatch(new RegExp(`Closest project names: "${closest}" \\(id [^)]+\\)`));
    expect(error.hint).toMatch(/^Call again with one of these names or ids/);
    // The id it names is the project: calling again with it works.
    const id = new RegExp(`"${closest}" \\(id ([^)]+)\\)`).exec(error.message)![1]!;
    const again = await call('list_project_members', { provider, project: id });
    expect(again.isError).toBeFalsy();
  });

  it.each([
    ['clockify', 'Enginering', 'Engineering'],
    ['gorules', 'Underwriter', 'Underwriters'],
    ['projectmanager', 'Field Op', 'Field Ops'],
  ])('%s: team "%s" is NOT_FOUND naming "%s"', async (provider, typed, closest) => {
    const error = expectToolError(await call('add_team_to_project', { provider, project: provider === 'clockify' ? 'Mobile App' : provider === 'gorules' ? 'Claims Rules' : 'Office Move', team: typed, dryRun: true }), 'NOT_FOUND');
    expect(error.message).toContain(`Closest team names: "${closest}"`);
  });
});
