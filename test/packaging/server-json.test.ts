import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROVIDER_MODULES } from '../../src/providers/registry.js';
import { compileSchema, describeErrors } from '../helpers/json-schema.js';
import { readRepoJson, repoPath } from '../helpers/repo.js';

// The official registry's server.json schema, version 2025-12-11, as published at
// https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json. It is kept as test
// data so that the suite runs offline; moving to a newer schema means replacing it and this pin.
const SCHEMA_FILE = repoPath('test/data/server.schema.json');
const SCHEMA_SHA256 = '3fba09590c99f61735d234822279f4223fab9e300c0a81e81c91ab62a4114de0';

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
  it('is valid against the registry schema it names', () => {
    const bytes = readFileSync(SCHEMA_FILE);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(SCHEMA_SHA256);
    const schema = JSON.parse(bytes.toString('utf8')) as { $id: string };
    expect(serverJson.$schema).toBe(schema.$id);
    const validate = compileSchema(schema);
    expect(validate(serverJson), describeErrors(validate.errors)).toBe(true);
  });

  it('rejects what the registry rejects (the schema is really applied)', () => {
    const validate = compileSchema(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
    expect(validate({ ...serverJson, name: 'no-namespace' })).toBe(false);
    expect(validate({ ...serverJson, description: 'x'.repeat(101) })).toBe(false);
    const [npm] = serverJson.packages;
    expect(validate({ ...serverJson, packages: [{ ...npm, version: 'latest' }] })).toBe(false);
  });

  it('agrees with package.json: registry name, npm identifier and versions', () => {
    expect(pkg.mcpName).toMatch(/^io\.github\.[A-Za-z0-9-]+\/project-members-mcp$/);
    expect(serverJson.name).toBe(pkg.mcpName);
    expect(serverJson.version).toBe(pkg.version);
    expect(serverJson.packages).toHaveLength(1);
    expect(serverJson.packages[0]).toMatchObject({ registryType: 'npm', identifier: pkg.name, version: pkg.version, transport: { type: 'stdio' } });
  });

  it("lists every provider setting's environment variable, secrets marked secret, none required", () => {
    const declared = serverJson.packages[0]!.environmentVariables;
    const settings = PROVIDER_MODULES.flatMap((module) => module.settings);
    expect(declared.map((variable) => variable.name).filter((name) => !name.startsWith('MEMBERS_MCP_'))).toEqual(settings.map((setting) => setting.env));
    for (const setting of settings) {
      const variable = declared.find((candidate) => candidate.name === setting.env)!;
      expect({ name: variable.name, isSecret: variable.isSecret === true }).toEqual({ name: setting.env, isSecret: setting.secret === true });
      // Each provider is optional: a user configures only the ones they use.
      expect(variable.isRequired).toBe(false);
    }
  });
});
