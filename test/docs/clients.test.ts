import { existsSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConnections } from '../../src/config.js';
import { PROVIDER_MODULES } from '../../src/providers/registry.js';
import { TOOLS } from '../../src/tools/catalog.js';
import { readRepoText } from '../helpers/repo.js';
import { CLI, cleanEnv } from '../helpers/stdio.js';

/** How a snippet starts the server, once read. */
interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

const ABSOLUTE_CLI = '/absolute/path/to/project-members-mcp/dist/src/cli.js';
const SETTINGS = PROVIDER_MODULES.flatMap((module) => module.settings);
const KNOWN_VARIABLES = new Set([
  ...SETTINGS.map((setting) => setting.env),
  ...PROVIDER_MODULES.flatMap((module) => [`${module.envPrefix}_RATE_LIMIT`, `${module.envPrefix}_MAX_IN_FLIGHT`]),
  'MEMBERS_MCP_READ_ONLY',
  'MEMBERS_MCP_SANDBOX',
  'MEMBERS_MCP_CONFIG',
  'MEMBERS_MCP_JOURNAL',
  'MEMBERS_MCP_LOG_LEVEL',
]);

/** Every `<!-- snippet: NAME -->` followed by a fenced code block in docs/clients.md. */
function snippets(markdown: string): Map<string, { language: string; body: string }> {
  const found = new Map<string, { language: string; body: string }>();
  for (const match of markdown.matchAll(/<!-- snippet: ([a-z-]+) -->\n```([a-z]+)\n([\s\S]*?)\n```/g)) {
    found.set(match[1]!, { language: match[2]!, body: match[3]! });
  }
  return found;
}

/** The one server a client configuration file declares (`mcpServers`, or VS Code's `servers`). */
function fromClientJson(body: string): Launch {
  const config = JSON.parse(body) as {
    mcpServers?: Record<string, Partial<Launch> & { type?: string }>;
    servers?: Record<string, Partial<Launch> & { type?: string }>;
    inputs?: Array<{ id: string; password?: boolean }>;
  };
  const servers = Object.values(config.mcpServers ?? config.servers ?? {});
  expect(servers).toHaveLength(1);
  const server = servers[0]!;
  if (config.servers) expect(server.type).toBe('stdio');
  const env = server.env ?? {};
  // VS Code inputs: every ${input:ID} must be declared, and secrets must be asked for as passwords.
  for (const [name, value] of Object.entries(env)) {
    const input = /^\$\{input:([^}]+)\}$/.exec(value)?.[1];
    if (input === undefined) continue;
    const declared = config.inputs?.find((candidate) => candidate.id === input);
    expect(declared, `input ${input}`).toBeDefined();
    expect(declared!.password === true).toBe(SETTINGS.find((setting) => setting.env === name)?.secret === true);
  }
  return { command: server.command!, args: server.args ?? [], env };
}

/** `claude mcp add [options] NAME -- COMMAND ARGS…` (options before the name, as Claude Code requires). */
function fromClaudeMcpAdd(line: string): Launch {
  const words = line.trim().split(/\s+/);
  expect(words.slice(0, 3)).toEqual(['claude', 'mcp', 'add']);
  const separator = words.indexOf('--');
  expect(separator).toBeGreaterThan(3);
  const options = words.slice(3, separator - 1);
  const env: Record<string, string> = {};
  for (let i = 0; i < options.length; i += 2) {
    const [flag, value] = [options[i]!, options[i + 1]!];
    expect(['--transport', '--env', '--scope']).toContain(flag);
    if (flag === '--transport') expect(value).toBe('stdio');
    if (flag === '--env') env[value.slice(0, value.indexOf('='))] = value.slice(value.indexOf('=') + 1);
  }
  expect(words[separator - 1]).toMatch(/^[a-z][a-z-]*$/); // the server's name
  return { command: words[separator + 1]!, args: words.slice(separator + 2), env };
}

/** `npx @modelcontextprotocol/inspector [its options] -- COMMAND ARGS…` */
function fromInspector(line: string): Launch {
  const words = line.trim().split(/\s+/);
  expect(words.slice(0, 2)).toEqual(['npx', '@modelcontextprotocol/inspector']);
  const separator = words.indexOf('--');
  expect(separator).toBeGreaterThan(1);
  return { command: words[separator + 1]!, args: words.slice(separator + 2), env: {} };
}

/** The snippet's command with the built CLI in place of the absolute path, the clone's path or npx. */
function localCommand(launch: Launch): string[] {
  const [first, ...rest] = launch.args;
  if (launch.command === 'node' && (first === ABSOLUTE_CLI || first === 'dist/src/cli.js')) return [CLI, ...rest];
  if (launch.command === 'npx' && first === '-y' && rest[0] === 'project-members-mcp') return [CLI, ...rest.slice(1)];
  throw new Error(`unexpected command in a snippet: ${launch.command} ${launch.args.join(' ')}`);
}

/** Client-side placeholders (${input:…}, ${env:…}) as the client fills them, and the example's "your-…" values as a user does. */
function filled(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      value.replace(/\$\{(input|env):[^}]+\}/g, 'value-from-the-client').replace(/^your-[a-z-]+$/, 'value-from-the-user'),
    ]),
  );
}

/** Starts the server as the snippet says, on the sandbox, and returns the tools it lists. */
async function listToolsWith(launch: Launch): Promise<string[]> {
  const args = localCommand(launch);
  if (!args.includes('--sandbox')) args.push('--sandbox');
  const client = new Client({ name: 'docs-snippet', version: '0.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, env: cleanEnv(filled(launch.env)), stderr: 'ignore' }));
  try {
    return (await client.listTools()).tools.map((tool) => tool.name);
  } finally {
    await client.close();
  }
}

function checkEnv(env: Record<string, string>): void {
  for (const name of Object.keys(env)) expect(KNOWN_VARIABLES.has(name), `${name} is not a variable the server reads`).toBe(true);
  const loaded = loadConnections(filled(env));
  expect(loaded.problems).toEqual([]);
  expect(loaded.connections.length).toBeGreaterThan(0);
  // Copied without filling in, a snippet's own placeholders fail at once, saying so.
  for (const problem of loadConnections(env).problems) expect(problem.message).toMatch(/placeholder|did not expand/);
}

const EXPECTED = ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'windsurf', 'npx', 'inspector'];
const TOOL_NAMES = TOOLS.map((tool) => tool.name);

describe('docs/clients.md', () => {
  const found = snippets(readRepoText('docs/clients.md'));
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/src/cli.js is missing: run `npm run build` (npm test does)');
  });

  it('has a snippet for each client people use', () => {
    expect([...found.keys()]).toEqual(EXPECTED);
  });

  describe.concurrent('each snippet starts the server, which lists its tools', () => {
    for (const name of EXPECTED) {
      it(name, async () => {
        const snippet = found.get(name)!;
        const launch =
          name === 'claude-code' ? fromClaudeMcpAdd(snippet.body) : name === 'inspector' ? fromInspector(snippet.body) : fromClientJson(snippet.body);
        if (name !== 'inspector') checkEnv(launch.env);
        expect(await listToolsWith(launch)).toEqual(TOOL_NAMES);
      });
    }
  });
});

describe('mcp.json.example', () => {
  const example = JSON.parse(readRepoText('mcp.json.example')) as {
    mcpServers: Record<string, Launch>;
    optionalEnv: Record<string, string>;
  };

  it('configures one provider, with the others shown as optional', () => {
    const main = example.mcpServers['project-members']!;
    const loaded = loadConnections(filled(main.env));
    expect(loaded.problems).toEqual([]);
    expect(loaded.connections.map((connection) => connection.name)).toEqual(['clockify']);
    // Used as it is, the placeholder fails at once, saying it is one (test/config.test.ts has the others).
    expect(loadConnections(main.env).problems.map((p) => p.message)).toEqual([expect.stringContaining('CLOCKIFY_API_KEY is still a placeholder')]);

    const { about, ...optional } = example.optionalEnv;
    expect(about).toMatch(/not read by any client/i);
    const shown = new Set([...Object.keys(main.env), ...Object.keys(optional)]);
    for (const name of shown) expect(KNOWN_VARIABLES.has(name), name).toBe(true);
    // Every provider can be configured from what the example shows.
    for (const setting of SETTINGS.filter((s) => s.required)) expect(shown.has(setting.env), setting.env).toBe(true);
  });

  it('has a sandbox entry that starts and lists the tools', async () => {
    const sandbox = example.mcpServers['project-members-sandbox']!;
    expect(sandbox.args).toContain('--sandbox');
    expect(await listToolsWith({ command: sandbox.command, args: sandbox.args, env: {} })).toEqual(TOOL_NAMES);
  });
});
