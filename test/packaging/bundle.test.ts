import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';
import { getMcpConfigForManifest, type McpbManifestAny } from '@anthropic-ai/mcpb';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConnections } from '../../src/config.js';
import { PROVIDER_MODULES } from '../../src/providers/registry.js';
import { TOOLS } from '../../src/tools/catalog.js';
import { VERSION } from '../../src/version.js';
import { readRepoJson, repoPath } from '../helpers/repo.js';

const run = promisify(execFile);
const MCPB = repoPath('node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');

interface UserConfigField {
  type: string;
  sensitive?: boolean;
  required?: boolean;
  default?: unknown;
}
type Manifest = McpbManifestAny & {
  tools: Array<{ name: string; description?: string }>;
  user_config: Record<string, UserConfigField>;
  server: { mcp_config: { command: string; args: string[]; env: Record<string, string> } };
};

const manifest = readRepoJson<Manifest>('manifest.json');
const SETTINGS = PROVIDER_MODULES.flatMap((module) => module.settings);
/** Each provider's rate limit (empty means the provider's default), and the server-wide switches. */
const RATE_LIMITS: Record<string, string> = Object.fromEntries(PROVIDER_MODULES.map((module) => [`${module.kind}_rate_limit`, `${module.envPrefix}_RATE_LIMIT`]));
const SWITCHES: Record<string, string> = { ...RATE_LIMITS, read_only: 'MEMBERS_MCP_READ_ONLY', sandbox: 'MEMBERS_MCP_SANDBOX' };

/** The environment Claude Desktop gives the server for these settings, by mcpb's own substitution. */
async function bundleEnv(userConfig: Record<string, string | boolean>, extensionPath = '/bundle'): Promise<Record<string, string>> {
  const config = await getMcpConfigForManifest({ manifest, extensionPath, systemDirs: {}, userConfig, pathSeparator: sep });
  return config!.env!;
}

describe('the MCP bundle manifest', () => {
  it('passes `mcpb validate`', async () => {
    const { stdout } = await run(process.execPath, [MCPB, 'validate', repoPath('manifest.json')]);
    expect(stdout).toContain('validation passes');
  });

  it("has the package's name and version", () => {
    const pkg = readRepoJson<{ name: string; version: string; license: string }>('package.json');
    expect({ name: manifest.name, version: manifest.version, license: manifest.license }).toEqual({ name: pkg.name, version: VERSION, license: pkg.license });
    expect(pkg.version).toBe(VERSION);
  });

  it("lists exactly the server's tools, in order, with their descriptions", () => {
    expect(manifest.tools).toEqual(TOOLS.map((tool) => ({ name: tool.name, description: tool.description })));
  });

  it('offers every provider setting and rate limit as an optional field mapped to its variable; secrets are sensitive', () => {
    const env = manifest.server.mcp_config.env;
    const fields = Object.keys(manifest.user_config);
    expect(fields.sort()).toEqual([...SETTINGS.map((setting) => setting.env.toLowerCase()), ...Object.keys(SWITCHES)].sort());
    for (const setting of SETTINGS) {
      const key = setting.env.toLowerCase();
      expect(env[setting.env]).toBe(`\${user_config.${key}}`);
      expect({ key, type: manifest.user_config[key]!.type, sensitive: manifest.user_config[key]!.sensitive === true }).toEqual({ key, type: 'string', sensitive: setting.secret === true });
    }
    for (const [key, variable] of Object.entries(SWITCHES)) expect(env[variable]).toBe(`\${user_config.${key}}`);
    expect(Object.keys(env).sort()).toEqual([...SETTINGS.map((setting) => setting.env), ...Object.values(SWITCHES)].sort());
    for (const [key, field] of Object.entries(manifest.user_config)) {
      expect({ key, required: field.required ?? false }).toEqual({ key, required: false });
      // Without a default, an untouched field would reach the server as the literal "${user_config.…}".
      expect({ key, hasDefault: field.default !== undefined }).toEqual({ key, hasDefault: true });
    }
  });

  it('configures only the providers whose fields are filled in', async () => {
    const none = loadConnections(await bundleEnv({}));
    expect(none).toEqual({ connections: [], problems: [] });

    const clockify = loadConnections(await bundleEnv({ clockify_api_key: 'key-1' }));
    expect(clockify.problems).toEqual([]);
    expect(clockify.connections.map((c) => [c.name, c.values])).toEqual([['clockify', { apiKey: 'key-1', baseUrl: 'https://api.clockify.me/api' }]]);

    // A provider half filled in is reported, never used with an empty setting.
    const half = loadConnections(await bundleEnv({ gorules_token: 'token-1' }));
    expect(half.connections).toEqual([]);
    expect(half.problems.map((p) => p.message)).toEqual([expect.stringContaining('GORULES_BASE_URL is not set')]);

    const all = loadConnections(
      await bundleEnv({
        clockify_api_key: 'key-1',
        gorules_base_url: 'https://acme.us1.gorules.io',
        gorules_token: 'token-1',
        projectmanager_api_key: 'key-2',
        zello_base_url: 'https://zello.example.com',
        zello_username: 'admin',
        zello_password: 'secret',
      }),
    );
    expect(all.problems).toEqual([]);
    expect(all.connections.map((c) => c.name)).toEqual(['clockify', 'gorules', 'projectmanager', 'zello']);
  });

  it("takes a rate limit left empty as the provider's default, and a bad one as that connection's problem only", async () => {
    const defaults = loadConnections(await bundleEnv({ clockify_api_key: 'key-1', projectmanager_api_key: 'key-2' }));
    expect(defaults.problems).toEqual([]);
    expect(defaults.connections.map((c) => [c.name, c.http.limits.rateLimit])).toEqual([
      ['clockify', { requests: 50, intervalMs: 1000 }],
      ['projectmanager', undefined],
    ]);
    const set = loadConnections(await bundleEnv({ clockify_api_key: 'key-1', clockify_rate_limit: '30/h', projectmanager_api_key: 'key-2', projectmanager_rate_limit: 'often' }));
    expect(set.connections.map((c) => [c.name, c.http.limits.rateLimit])).toEqual([['clockify', { requests: 30, intervalMs: 3_600_000 }]]);
    expect(set.problems.map((p) => [p.name, p.message])).toEqual([['projectmanager', expect.stringContaining('PROJECTMANAGER_RATE_LIMIT: invalid rate limit "often"')]]);
  });

  it('turns the read-only and sandbox switches into the flags the server reads', async () => {
    expect(await bundleEnv({})).toMatchObject({ MEMBERS_MCP_READ_ONLY: 'false', MEMBERS_MCP_SANDBOX: 'false' });
    expect(await bundleEnv({ read_only: true, sandbox: true })).toMatchObject({ MEMBERS_MCP_READ_ONLY: 'true', MEMBERS_MCP_SANDBOX: 'true' });
  });
});

describe('the packed bundle', () => {
  const work = mkdtempSync(join(tmpdir(), 'members-bundle-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds the compiled server and production dependencies only, and runs from where it is unpacked', async () => {
    const staging = join(work, 'staging');
    const bundle = join(work, 'project-members-mcp.mcpb');
    const unpacked = join(work, 'installed');
    await run(process.execPath, [repoPath('dist/scripts/bundle.js'), staging]);
    await run(process.execPath, [MCPB, 'pack', staging, bundle]);
    await run(process.execPath, [MCPB, 'unpack', bundle, unpacked]);

    const files = readdirSync(unpacked, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(unpacked.length + 1).split(sep).join('/'));
    expect(files).toContain('dist/src/cli.js');
    expect(files).toContain('node_modules/@modelcontextprotocol/sdk/package.json');
    expect(files.filter((file) => /\.(map|ts)$/.test(file) || file.startsWith('dist/src/demo/') || file.startsWith('dist/bench/'))).toEqual([]);
    // Development tools never ship: none of these is a production dependency.
    for (const devOnly of ['typescript', 'vitest', '@anthropic-ai/mcpb', '@types/node']) {
      expect(files.some((file) => file.startsWith(`node_modules/${devOnly}/`)), devOnly).toBe(false);
    }
    expect(statSync(bundle).size).toBeLessThan(6 * 1024 * 1024);

    const config = await getMcpConfigForManifest({ manifest, extensionPath: unpacked, systemDirs: {}, userConfig: { sandbox: true }, pathSeparator: sep });
    const client = new Client({ name: 'bundle-test', version: '0.0.0' });
    const transport = new StdioClientTransport({ command: process.execPath, args: config!.args!, env: cleanBundleEnv(config!.env!), stderr: 'pipe' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(TOOLS.map((tool) => tool.name));
      const found = (await client.callTool({ name: 'search_directory', arguments: { provider: 'clockify', kind: 'user', query: 'diego' } })) as {
        structuredContent?: { sandbox?: boolean; entries?: unknown[] };
      };
      expect(found.structuredContent).toMatchObject({ sandbox: true, entries: [expect.anything()] });
    } finally {
      await client.close();
    }
  }, 120_000);
});

/** The bundle's own variables over a PATH-only environment, so the machine's settings cannot leak in. */
function cleanBundleEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', ...env };
}
