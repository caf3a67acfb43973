import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutationResultSchema } from '../../src/tools/schemas.js';
import { connectClient, startTestSandbox, type TestSandbox, type ToolCallResult } from '../helpers/sandbox.js';

/**
 * The largest results: a batch of 500 members (the most users takes). Bounds documented in
 * docs/contract.md ("Result sizes"): the text stays short whatever the batch, and the structured
 * part keeps every entry, at most 100 KB for 500 members with ordinary names and addresses.
 */
const TEXT_MAX = 2_048;
const BATCH_MAX_BYTES = 100 * 1024;

const PROJECTS = { clockify: 'Website Redesign', gorules: 'Claims Rules', projectmanager: 'Office Move', zello: 'Roadmap Board' } as const;

let box: TestSandbox;
let session: Awaited<ReturnType<typeof connectClient>>;
beforeAll(async () => {
  box = await startTestSandbox({ people: 500 });
  session = await connectClient(box.connections);
  await session.client.listTools();
});
afterAll(async () => {
  await session.close();
  await box.stop();
});

async function addMembers(provider: string, users: string[]): Promise<ToolCallResult> {
  return (await session.client.callTool({ name: 'add_project_members', arguments: { provider, project: PROJECTS[provider as keyof typeof PROJECTS], users, dryRun: true } })) as ToolCallResult;
}

function sizes(result: ToolCallResult): { text: number; structured: number } {
  return { text: result.content[0]!.text.length, structured: Buffer.byteLength(JSON.stringify(result.structuredContent)) };
}

describe.each(Object.keys(PROJECTS))('%s: a batch of 500 members', (provider) => {
  it('all unknown: every entry failed with its code and message, the text short, the whole within the bound', async () => {
    const users = Array.from({ length: 500 }, (_, i) => `nobody.${String(i).padStart(3, '0')}@nowhere.example.com`);
    const result = await addMembers(provider, users);
    const parsed = mutationResultSchema.parse(result.structuredContent);
    expect(parsed.results).toHaveLength(500);
    expect(parsed.results.every((entry, i) => entry.input === users[i] && entry.status === 'failed' && entry.error?.code === 'NOT_FOUND' && entry.error.message.length > 0)).toBe(true);
    const { text, structured } = sizes(result);
    expect(text).toBeLessThanOrEqual(TEXT_MAX);
    expect(result.content[0]!.text).toContain('and 497 more (see results)');
    expect(result.content[0]!.text).toContain('search_directory (kind "user")');
    expect(structured).toBeLessThanOrEqual(BATCH_MAX_BYTES);
  });

  it('all addable: every entry with the user it resolved to, within the same bounds', async () => {
    const users = Array.from({ length: 500 }, (_, i) => `Person ${String(i + 1).padStart(4, '0')}`);
    const result = await addMembers(provider, users);
    const parsed = mutationResultSchema.parse(result.structuredContent);
    expect(parsed.summary).toEqual({ requested: 500, changed: 500, unchanged: 0, failed: 0 });
    expect(parsed.results.every((entry) => entry.status === 'would_add' && entry.userId && entry.email)).toBe(true);
    const { text, structured } = sizes(result);
    expect(text).toBeLessThanOrEqual(TEXT_MAX);
    expect(structured).toBeLessThanOrEqual(BATCH_MAX_BYTES);
  });
});
