import { readdirSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOLS } from '../../src/tools/catalog.js';
import { connectClient, emptyConnections } from '../helpers/sandbox.js';

/**
 * Every client sends tools/list to the model, so each tool has a budget of its own (compact JSON,
 * as on the wire) and a reviewed snapshot of its own, so that a diff names the tool that changed.
 * `npx vitest run test/mcp/listing.test.ts -u` rewrites the snapshots after a deliberate change.
 */
const TOOL_BUDGET_BYTES = 2048;
const SNAPSHOTS = new URL('./__toolsnaps__/', import.meta.url);

let client: Client;
let close: () => Promise<void>;
let tools: Tool[];

beforeAll(async () => {
  ({ client, close } = await connectClient(emptyConnections()));
  ({ tools } = await client.listTools());
});

afterAll(async () => {
  await close();
});

describe('tools/list', () => {
  it('lists the catalog, in order', () => {
    expect(tools.map((tool) => tool.name)).toEqual(TOOLS.map((tool) => tool.name));
  });

  it.each(TOOLS.map((tool) => tool.name))('%s matches its reviewed snapshot and stays within its budget', async (name) => {
    const tool = tools.find((t) => t.name === name)!;
    await expect(`${JSON.stringify(tool, null, 2)}\n`).toMatchFileSnapshot(`./__toolsnaps__/${name}.json`);
    expect(Buffer.byteLength(JSON.stringify(tool))).toBeLessThanOrEqual(TOOL_BUDGET_BYTES);
  });

  it('keeps no snapshot of a tool that is gone', () => {
    expect(readdirSync(SNAPSHOTS).sort()).toEqual(TOOLS.map((tool) => `${tool.name}.json`).sort());
  });

  it('sets all four annotations on every tool, as the contract says', () => {
    const annotations = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(annotations).toEqual({
      add_project_members: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      remove_project_members: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
      add_team_to_project: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      list_project_members: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      list_user_memberships: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      search_directory: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    });
    for (const tool of tools) expect(tool.title, tool.name).toBeTruthy();
  });
});
