import { describe, expect, it } from 'vitest';
import { PROVIDER_MODULES } from '../../src/providers/registry.js';
import { compileSchema, describeErrors } from '../helpers/json-schema.js';
import { readRepoJson } from '../helpers/repo.js';

// Our own schema of the registry's rules for an entry like ours (format of 2025-12-11): the
// namespace pattern, title and description lengths, exact versions, the npm package's shape, the
// environment variables. Nothing in it is copied; moving to a newer registry format means
// reading its rules and updating this file and its "$schema" constant.
const schema = readRepoJson<object>('test/data/registry-entry.schema.json');

interface EnvironmentVariable {
  name: string;
  isRequired?: boolean;
  isSecret?: boolean;
}
interface ServerJson {
  $schema: string;
  name: string;
  version: string;
  packages: Array<{ registryType: string; identifier: string; version: string; transport: { type: string }; environmentVariables: EnvironmentVariable[] }>;
}

const serverJson = readRepoJson<ServerJson>('server.json');
const pkg = readRepoJson<{ name: string; version: string; mcpName: string }>('package.json');

describe('server.json (the official MCP registry entry)', () => {
  const validate = compileSchema(schema);
  const [npm] = serverJson.packages;
  const variable = npm!.environmentVariables[0]!;
  const withPackage = (change: Record<string, unknown>) => ({ ...serverJson, packages: [{ ...npm, ...change }] });
  const withVariable = (change: Record<string, unknown>) => withPackage({ environmentVariables: [{ ...variable, ...change }] });

  it("meets the registry's rules", () => {
    expect(validate(serverJson), describeErrors(validate.errors)).toBe(true);
  });

  it.each([
    ['a name without a namespace', { ...serverJson, name: 'project-members-mcp' }],
    ['a name with two slashes', { ...serverJson, name: 'io.github.a/b/c' }],
    ['a description over 100 characters', { ...serverJson, description: 'x'.repeat(101) }],
    ['an empty description', { ...serverJson, description: '' }],
    ['no version', { ...serverJson, version: undefined }],
    ['another registry format', { ...serverJson, $schema: 'https://static.modelcontextprotocol.io/schemas/2025-07-09/server.schema.json' }],
    ['"latest" as the package version', withPackage({ version: 'latest' })],
    ['a caret range as the package version', withPackage({ version: '^0.1.0' })],
    ['a comparison range as the server version', { ...serverJson, version: '>=0.1.0' }],
    ['a wildcard version', withPackage({ version: '0.x' })],
    ['an alternative of versions', withPackage({ version: '0.1.0 || 0.2.0' })],
    ['a package without identifier', withPackage({ identifier: undefined })],
    ['a package without transport', withPackage({ transport: undefined })],
    ['a transport the package cannot use', withPackage({ transport: { type: 'carrier-pigeon' } })],
    ['an environment variable without name', withVariable({ name: undefined })],
    ['isSecret as a string', withVariable({ isSecret: 'yes' })],
    ['an unknown input format', withVariable({ format: 'password' })],
  ])('rejects %s, as the registry does', (_what, entry) => {
    expect(validate(JSON.parse(JSON.stringify(entry)))).toBe(false);
  });

  it('agrees with package.json: registry name, npm identifier and versions', () => {
    expect(pkg.mcpName).toMatch(/^io\.github\.[A-Za-z0-9-]+\/project-members-mcp$/);
    expect(serverJson.name).toBe(pkg.mcpName);
    expect(serverJson.version).toBe(pkg.version);
    expect(serverJson.packages).toHaveLength(1);
    expect(serverJson.packages[0]).toMatchObject({ registryType: 'npm', identifier: pkg.name, version: pkg.version, transport: { type: 'stdio' } });
  });

  it("lists every provider setting's environment variable and rate limit, secrets marked secret, none required", () => {
    const declared = serverJson.packages[0]!.environmentVariables;
    const expected = PROVIDER_MODULES.flatMap((module) => [...module.settings.map((setting) => setting.env), `${module.envPrefix}_RATE_LIMIT`]);
    expect(declared.map((variable) => variable.name).filter((name) => !name.startsWith('MEMBERS_MCP_'))).toEqual(expected);
    const settings = PROVIDER_MODULES.flatMap((module) => module.settings);
    for (const variable of declared) {
      const setting = settings.find((candidate) => candidate.env === variable.name);
      expect({ name: variable.name, isSecret: variable.isSecret === true }).toEqual({ name: variable.name, isSecret: setting?.secret === true });
      // Each provider is optional: a user configures only the ones they use.
      expect(variable.isRequired).toBe(false);
    }
  });
});
