import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SANDBOX_PROVIDERS } from '../sandbox/registry.js';
import type { DemoScript } from '../sandbox/types.js';

/** The demo's scripts, one per provider. */
const SCRIPTS: DemoScript[] = Object.values(SANDBOX_PROVIDERS).map((sandbox) => sandbox.demo);

type ToolResult = { isError?: boolean; content?: Array<{ type: string; text?: string }>; structuredContent?: Record<string, unknown> };
type Member = { userId: string; name?: string; role?: string };
type Entry = { input: string; status: string; role?: string; error?: { code: string; message: string } };

const out = (line = '') => process.stdout.write(`${line}\n`);

/**
 * A scripted MCP client session against the sandbox: spawns the built server with --sandbox over
 * stdio, as an MCP client would, and prints what an agent would see.
 */
async function main(): Promise<void> {
  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, '--sandbox', '--log-level', 'error'], stderr: 'inherit' });
  const client = new Client({ name: 'project-members-demo', version: '1.0.0' });
  await client.connect(transport);
  const call = async (tool: string, args: Record<string, unknown>) => (await client.callTool({ name: tool, arguments: args })) as ToolResult;

  out('project-members-mcp demo: an MCP client session against the sandbox (simulated providers, demo data).');
  out();
  out('The server introduces itself (instructions sent at initialize):');
  for (const line of (client.getInstructions() ?? '').split('\n')) out(`  ${line}`);

  let allRestored = true;
  for (const script of SCRIPTS) {
    out();
    out(`=== ${script.title}`);
    const before = await members(call, script);
    out(`Project "${script.project}" starts with: ${describeMembers(before)}`);
    for (const step of script.steps) {
      out();
      out(`> ${step.say}`);
      out(`  ${step.tool} ${JSON.stringify(step.args)}`);
      const result = await call(step.tool, step.args);
      printResult(result);
    }
    const after = await members(call, script);
    const restored = JSON.stringify(after) === JSON.stringify(before);
    allRestored &&= restored;
    out();
    out(`Project "${script.project}" ends with: ${describeMembers(after)} ${restored ? '(as it started)' : '(CHANGED: the demo script should restore it)'}`);
  }
  await client.close();
  if (!allRestored) process.exitCode = 1;
}

async function members(call: (tool: string, args: Record<string, unknown>) => Promise<ToolResult>, script: DemoScript): Promise<Member[]> {
  const result = await call('list_project_members', { provider: script.provider, project: script.project, limit: 200 });
  if (result.isError) throw new Error(`listing ${script.project} failed: ${result.content?.[0]?.text ?? ''}`);
  return ((result.structuredContent?.members ?? []) as Member[]).map((m) => ({ userId: m.userId, name: m.name, role: m.role }));
}

function describeMembers(list: Member[]): string {
  return list.map((m) => `${m.name ?? m.userId} (${m.role ?? 'member'})`).join(', ') || 'nobody';
}

function printResult(result: ToolResult): void {
  const text = result.content?.find((block) => block.type === 'text')?.text ?? '';
  out(`  ${result.isError ? 'error' : '<'} ${text}`);
  const entries = (result.structuredContent?.results ?? []) as Entry[];
  const width = Math.max(0, ...entries.map((entry) => entry.input.length));
  for (const entry of entries) {
    const detail = entry.status === 'skipped' && entry.error ? entry.error.message : entry.error ? entry.error.code : (entry.role ?? '');
    out(`      ${entry.input.padEnd(width)}  ${entry.status.padEnd(14)} ${detail}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
