import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileJournal } from '../../src/core/journal.js';
import { pmErrorBody } from '../../src/sandbox/projectmanager/server.js';
import { pmId } from '../../src/sandbox/projectmanager/seed.js';
import { mutationResultSchema } from '../../src/tools/schemas.js';
import { expectCancelStopsBatch, tempJournal } from '../helpers/cancellation.js';
import { connectClient, startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/**
 * Batches on a per-member provider (ProjectManager.com) under injected faults, through the MCP
 * tools: every change applied exactly once, every member reported once, failures with the
 * contract's codes, cancellation that stops, progress that ends at the total.
 */

const OFFICE = pmId('project', 3);
const person = (n: number) => `person.${String(n).padStart(4, '0')}@northwind.example.org`;
const people = (count: number) => Array.from({ length: count }, (_, i) => person(i + 1));

/** Faster failure detection and a deeper retry budget than production, for a 30% fault rate. */
const CHAOS_ENV = {
  MEMBERS_MCP_TIMEOUT_MS: '300',
  MEMBERS_MCP_CONNECT_TIMEOUT_MS: '1000',
  MEMBERS_MCP_RETRY_ATTEMPTS: '10',
  MEMBERS_MCP_RETRY_BUDGET_MS: '20000',
};

let box: TestSandbox | undefined;
afterEach(async () => {
  await box?.stop();
  box = undefined;
});

async function session(options: { people: number; env?: Record<string, string>; latencyMs?: number; journal?: FileJournal; maxInFlight?: number }) {
  box = await startTestSandbox({
    only: ['projectmanager'],
    people: options.people,
    latencyMs: options.latencyMs ?? 0,
    seed: 7,
    env: { ...options.env, PROJECTMANAGER_MAX_IN_FLIGHT: String(options.maxInFlight ?? 8) },
  });
  const mcp = await connectClient(box.connections, options.journal ? { journal: options.journal } : {});
  await mcp.client.listTools();
  return { sim: box.sandbox.simulators.projectmanager, ...mcp };
}

describe('a batch of 200 under 30% transient faults', () => {
  it('applies each change exactly once and reports each of the 200 once', async () => {
    const { sim, client, close } = await session({ people: 200, env: CHAOS_ENV });
    sim.injectFault({
      times: Infinity,
      probability: 0.3,
      oneOf: [
        { status: 429, json: pmErrorBody(429, 'Too many requests'), headers: { 'retry-after': '0' } },
        { status: 429, json: pmErrorBody(429, 'Too many requests') },
        { status: 503, text: 'Service Unavailable' },
        { drop: true },
        { when: 'after', drop: true },
        { when: 'after', delayMs: 500 },
      ],
    });
    try {
      const result = await client.callTool({ name: 'add_project_members', arguments: { project: OFFICE, users: people(200), role: 'member' } });
      const body = mutationResultSchema.parse(result.structuredContent);
      sim.clearFaults();

      expect(body.results).toHaveLength(200);
      expect(new Set(body.results.map((r) => r.input)).size).toBe(200);
      // ProjectManager.com's documented back-off reports a third 429 in a row as a failure: those
      // are the only failures, nothing else is lost, and calling again finishes exactly them.
      const failed = body.results.filter((r) => r.status !== 'added');
      expect(failed.every((r) => r.status === 'failed' && r.error?.code === 'RATE_LIMITED')).toBe(true);
      expect(body.summary).toEqual({ requested: 200, changed: 200 - failed.length, unchanged: 0, failed: failed.length });
      const again = mutationResultSchema.parse((await client.callTool({ name: 'add_project_members', arguments: { project: OFFICE, users: people(200), role: 'member' } })).structuredContent);
      expect(again.summary).toEqual({ requested: 200, changed: failed.length, unchanged: 200 - failed.length, failed: 0 });

      // The simulator's own state: everyone is in, with the asked-for permission.
      const members = sim.members(OFFICE);
      for (let n = 1; n <= 200; n++) expect(members[pmId('person', 1000 + n)]).toBe('Collaborate');

      // Applied exactly once: per member, one PUT reached the handler (a fault "before" means it did not).
      const handled = new Map<string, number>();
      for (const record of sim.requestsMatching('PUT')) {
        if (record.fault?.startsWith('before')) continue;
        handled.set(record.path, (handled.get(record.path) ?? 0) + 1);
      }
      expect(handled.size).toBe(200);
      expect([...handled.values()].every((count) => count === 1)).toBe(true);
      // The faults really happened, of every kind.
      const faults = sim.requests.map((r) => r.fault).filter(Boolean);
      expect(faults.length).toBeGreaterThan(60);
      for (const kind of ['before: status 429', 'before: status 503', 'before: drop', 'after: drop', 'after: delay 500 ms']) {
        expect(faults).toContain(kind);
      }
    } finally {
      await close();
    }
  });
});

describe('a persistent 429', () => {
  it('ends with RATE_LIMITED entries within the retry budget, and the rest of the batch still done', async () => {
    const { sim, client, close } = await session({ people: 10 });
    // Only these two members are rate-limited, for good.
    sim.injectFault({ match: { method: 'PUT', path: new RegExp(`${pmId('person', 1001)}|${pmId('person', 1002)}`) }, status: 429, json: pmErrorBody(429, 'Too many requests'), headers: { 'retry-after': '0' }, times: Infinity });
    try {
      const result = await client.callTool({ name: 'add_project_members', arguments: { project: OFFICE, users: people(5) } });
      const body = mutationResultSchema.parse(result.structuredContent);
      expect(body.results.map((r) => r.status)).toEqual(['failed', 'failed', 'added', 'added', 'added']);
      expect(body.results[0]!.error).toMatchObject({ code: 'RATE_LIMITED' });
      expect(body.results[0]!.error!.message).toContain('Too many requests');
      expect(body.summary).toEqual({ requested: 5, changed: 3, unchanged: 0, failed: 2 });
      // ProjectManager.com's documented back-off: the attempt, a retry after 1 s, one after 5 s (a
      // hundredth of that in tests), then the failure is reported.
      expect(sim.requestsMatching('PUT', new RegExp(pmId('person', 1001)))).toHaveLength(3);
    } finally {
      await close();
    }
  });
});

describe('cancellation mid-batch', () => {
  it('stops sending, applies nothing afterwards, and the journal matches the provider\'s state', async () => {
    const journal = tempJournal();
    const { sim, client, close } = await session({ people: 60, latencyMs: 40, journal: journal.journal, maxInFlight: 4 });
    try {
      await expectCancelStopsBatch({ client, sim, project: OFFICE, users: people(60), journal });
    } finally {
      await close();
    }
  });
});

describe('progress', () => {
  it('arrives in order, one per member decided, and ends at the total', async () => {
    const { client, close } = await session({ people: 50 });
    const seen: Array<{ progress: number; total?: number }> = [];
    try {
      const users = [...people(50), 'nobody@northwind.example.org'];
      await client.callTool({ name: 'add_project_members', arguments: { project: OFFICE, users } }, CallToolResultSchema, {
        onprogress: (progress) => seen.push(progress),
      });
      expect(seen.map((p) => p.progress)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
      expect(seen.every((p) => p.total === 51)).toBe(true);
    } finally {
      await close();
    }
  });
});
