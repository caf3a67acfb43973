/**
 * The cost of confirming every write: after a call's writes, one read of the provider's state
 * decides every entry (README, "Every write confirmed"). Measured through an MCP client on the
 * in-process sandbox at 20 ms latency: the requests and time of the whole call against those of
 * that last read (the requests after the last write's reply).
 */
import { sandboxConnections, startSandbox } from '../src/sandbox/index.js';
import { exchangeObservers, type Exchange } from '../src/sandbox/simulator.js';
import { connectServer } from './in-memory.js';
import { median, ms, type Report } from './stats.js';

interface Case {
  label: string;
  provider: 'projectmanager' | 'clockify' | 'gorules' | 'zello';
  /** A fresh call each round: tool and arguments. */
  call: (round: number) => { name: string; arguments: Record<string, unknown> };
}

const person = (n: number) => `person.${String(n).padStart(4, '0')}@northwind.example.org`;

const CASES: Case[] = [
  { label: 'ProjectManager.com, add 1 member', provider: 'projectmanager', call: (round) => ({ name: 'add_project_members', arguments: { provider: 'projectmanager', project: 'Office Move', users: [person(round + 1)] } }) },
  {
    label: 'ProjectManager.com, add 50 members',
    provider: 'projectmanager',
    call: (round) => ({ name: 'add_project_members', arguments: { provider: 'projectmanager', project: 'Office Move', users: Array.from({ length: 50 }, (_, i) => person(100 + round * 50 + i + 1)) } }),
  },
  { label: 'Clockify, add 1 member as manager', provider: 'clockify', call: () => ({ name: 'add_project_members', arguments: { provider: 'clockify', project: 'Website Redesign', users: ['grace.okafor@acme.example'], role: 'manager' } }) },
  { label: 'GoRules, remove 1 member', provider: 'gorules', call: () => ({ name: 'remove_project_members', arguments: { provider: 'gorules', project: 'Claims Rules', users: ['Luis Ortega'] } }) },
];

/** Medians over rounds of: the call's requests and time, and those of the reconciling read. */
export async function confirmCost(rounds: number, report: Report): Promise<void> {
  for (const testCase of CASES) {
    const totals: number[] = [];
    const reads: number[] = [];
    const requestCounts: number[] = [];
    const readCounts: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // A fresh sandbox per round, so that every call writes.
      const sandbox = await startSandbox({ latencyMs: 20, people: 100 + rounds * 50 + 1 });
      const { client, stop } = await connectServer(sandboxConnections(sandbox).connections.filter((c) => c.kind === testCase.provider));
      // Warm: undici loaded and the connection open, as on a running server.
      await client.callTool({ name: 'search_directory', arguments: { provider: testCase.provider, kind: 'project', query: '' } });

      const seen: Array<{ at: number; write: boolean }> = [];
      const observe = (exchange: Exchange) => seen.push({ at: performance.now(), write: exchange.method !== 'GET' && !exchange.path.endsWith('/users/info') });
      exchangeObservers.add(observe);
      const start = performance.now();
      const result = await client.callTool(testCase.call(round));
      const end = performance.now();
      exchangeObservers.delete(observe);
      if (result.isError) throw new Error(`${testCase.label}: ${JSON.stringify(result.content)}`);

      const lastWrite = seen.map((s) => s.write).lastIndexOf(true);
      if (lastWrite < 0) throw new Error(`${testCase.label}: the call wrote nothing`);
      totals.push(end - start);
      reads.push(end - seen[lastWrite]!.at);
      requestCounts.push(seen.length);
      readCounts.push(seen.length - lastWrite - 1);
      await stop();
      await sandbox.stop();
    }
    const total = median(totals);
    const read = median(reads);
    report(
      `G. confirming read, ${testCase.label}: its requests of the call's, its time of the call's (20 ms latency, n=${rounds})`,
      `${median(readCounts)} of ${median(requestCounts)} req; ${ms(read)} of ${ms(total)}`,
      '',
      `${((read / total) * 100).toFixed(0)}% of the time`,
      '(diagnostic)',
    );
  }
}
