import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import { exchangeObservers, type Exchange } from '../../src/sandbox/simulator.js';
import { checkExchange } from './openapi.js';
import { removeTempDirs, tempDir } from './temp.js';

/**
 * Set up for every test file (vitest.config.ts): every exchange of every simulator in this
 * process, and of sandboxes in child processes that log theirs (exchangeLogEnv), is checked
 * against the provider's API description; a test fails when one does not match. Only requests our
 * HTTP client sent are checked, and a reply an injected fault replaced is not (see checkExchange).
 */
const problems: string[] = [];
exchangeObservers.add((exchange) => {
  try {
    problems.push(...checkExchange(exchange));
  } catch (error) {
    problems.push(`${exchange.provider}: ${exchange.method} ${exchange.path}: the check itself failed: ${(error as Error).message}`);
  }
});

/** Exchange logs of sandboxes in child processes, and how far each has been read. */
const logs = new Map<string, number>();

/** Checks, after each test, the exchanges a sandbox in a child process appends to this file. */
export function watchExchangeLog(file: string): void {
  logs.set(file, 0);
}

/**
 * The variable that makes a sandbox in a child process (`--sandbox`, or the standalone `sandbox`
 * command) log its exchanges, to a fresh file watched from here: add it to the child's environment.
 */
export function exchangeLogEnv(): { MEMBERS_MCP_SANDBOX_EXCHANGES: string } {
  const file = join(tempDir('exchanges-'), 'exchanges.jsonl');
  watchExchangeLog(file);
  return { MEMBERS_MCP_SANDBOX_EXCHANGES: file };
}

function readLogs(): void {
  for (const [file, offset] of logs) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.slice(offset).split('\n')) {
      if (line.trim() !== '') problems.push(...checkExchange(JSON.parse(line) as Exchange));
    }
    logs.set(file, complete.length);
  }
}

function expectNoMismatch(): void {
  readLogs();
  const found = problems.splice(0);
  expect(found, 'simulator exchanges that do not match the provider\'s API description').toEqual([]);
}

afterEach(expectNoMismatch);
// Exchanges of hooks outside any test (a session closed in afterAll) are checked once the file ends.
afterAll(() => {
  try {
    expectNoMismatch();
  } finally {
    logs.clear();
    // Every temporary directory of the file's tests (tempDir), exchange logs included.
    removeTempDirs();
  }
});
