import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCKIFY_SANDBOX_WORKSPACE } from '../../src/sandbox/clockify/seed.js';
import { zId } from '../../src/sandbox/zello/seed.js';
import { directorySchema } from '../../src/tools/schemas.js';
import { connectClient, expectToolError, startTestSandbox, type TestSandbox, type ToolCallResult } from '../helpers/sandbox.js';

let box: TestSandbox;
let session: Awaited<ReturnType<typeof connectClient>>;
beforeAll(async () => {
  box = await startTestSandbox();
  session = await connectClient(box.connections);
  await session.client.listTools(); // from here on the client validates every structuredContent
});
afterAll(async () => {
  await session.close();
  await box.stop();
});

async function search(args: Record<string, unknown>): Promise<ToolCallResult> {
  return (await session.client.callTool({ name: 'search_directory', arguments: args })) as ToolCallResult;
}

describe('search_directory', () => {
  it('lists everything when query is left out, as with an empty query', async () => {
    const omitted = directorySchema.parse((await search({ provider: 'clockify', kind: 'user' })).structuredContent);
    const empty = directorySchema.parse((await search({ provider: 'clockify', kind: 'user', query: '' })).structuredContent);
    expect(omitted.entries.length).toBeGreaterThan(3);
    expect(omitted).toEqual(empty);
    const text = (await search({ provider: 'gorules', kind: 'team', query: 'no such team' })).content[0]!.text;
    expect(text).toBe('No team in GoRules BRMS matches "no such team".');
  });

  it("shows the workspaces of providers that have them, with the ids workspaceId takes", async () => {
    const clockify = directorySchema.parse((await search({ provider: 'clockify', kind: 'workspace' })).structuredContent);
    expect(clockify).toMatchObject({ kind: 'workspace', entries: [{ id: CLOCKIFY_SANDBOX_WORKSPACE, name: 'Acme Studio' }, { name: 'Acme Labs' }], truncated: false });
    const zello = directorySchema.parse((await search({ provider: 'zello', kind: 'workspace' })).structuredContent);
    expect(zello.entries).toEqual([
      { id: zId('workspace', 1), name: 'Product' },
      { id: zId('workspace', 2), name: 'Operations' },
    ]);
    const narrowed = directorySchema.parse((await search({ provider: 'zello', kind: 'workspace', query: 'oper' })).structuredContent);
    expect(narrowed.entries.map((e) => e.name)).toEqual(['Operations']);
    // The id found is the one the other tools take.
    const projects = directorySchema.parse((await search({ provider: 'zello', kind: 'project', workspaceId: zello.entries[1]!.id })).structuredContent);
    expect(projects.entries.map((e) => e.name)).toEqual(['Vendor Onboarding', 'Design System']);
  });

  it('answers UNSUPPORTED for workspaces where the provider has none, before any request', async () => {
    const before = box.sandbox.simulators.gorules.requests.length + box.sandbox.simulators.projectmanager.requests.length;
    for (const provider of ['gorules', 'projectmanager']) {
      const error = expectToolError(await search({ provider, kind: 'workspace' }), 'UNSUPPORTED');
      expect(error.message).toMatch(/has no workspaces/);
    }
    expect(box.sandbox.simulators.gorules.requests.length + box.sandbox.simulators.projectmanager.requests.length).toBe(before);
  });
});
