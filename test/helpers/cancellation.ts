import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { FileJournal, parseJournal } from '../../src/core/journal.js';
import type { ProjectManagerSimulator } from '../../src/sandbox/projectmanager/server.js';
import { tempDir } from './temp.js';

/** A journal file of its own, for a test that reads it back. */
export function tempJournal(): { path: string; journal: FileJournal } {
  const path = join(tempDir('journal-'), 'writes.jsonl');
  return { path, journal: new FileJournal(path) };
}

/**
 * Cancels a batch of `users` into `project` once 10 have been added, and checks what cancelling
 * must mean whatever the transport: the client's call rejects, requests stop, nothing is applied
 * afterwards, and the journal matches the provider's state (writes cut on the wire: unknown,
 * CANCELLED). The server must have been given `journal`, on a provider slow enough to catch.
 */
export async function expectCancelStopsBatch(options: {
  client: Client;
  sim: ProjectManagerSimulator;
  project: string;
  users: string[];
  journal: { path: string; journal: FileJournal };
}): Promise<void> {
  const { client, sim, project, users } = options;
  const before = new Set(Object.keys(sim.members(project)));
  const controller = new AbortController();
  const call = client.callTool({ name: 'add_project_members', arguments: { project, users } }, CallToolResultSchema, { signal: controller.signal });
  const settled = call.then(
    () => 'finished',
    (error: unknown) => (error as Error).message,
  );
  while (Object.keys(sim.members(project)).length < before.size + 10) await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  // The SDK client rejects a cancelled call (no result comes back for it).
  expect(await settled).toMatch(/abort/i);

  // Requests stop: whatever was in flight ends, and nothing new starts.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const seen = sim.requests.length;
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(sim.requests.length).toBe(seen);

  const added = Object.keys(sim.members(project)).filter((id) => !before.has(id));
  expect(added.length).toBeGreaterThanOrEqual(10);
  expect(added.length).toBeLessThan(users.length);

  options.journal.journal.close();
  const lines = parseJournal(readFileSync(options.journal.path, 'utf8'));
  const applied = new Set(lines.filter((l) => l.outcome === 'applied' || l.outcome === 'confirmed').map((l) => l.user));
  const unknown = new Set(lines.filter((l) => l.outcome === 'unknown').map((l) => l.user));
  // Everything the journal says was applied is applied; everything applied is in the journal.
  for (const user of applied) expect(added).toContain(user);
  for (const user of added) expect(applied.has(user) || unknown.has(user)).toBe(true);
  // Writes cancelled on the wire are journaled as unknown, with CANCELLED.
  for (const line of lines.filter((l) => l.outcome === 'unknown')) expect(line.code).toBe('CANCELLED');
}
