import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors.js';
import { DIRECTORY_KINDS, MEMBER_STATUSES, PROVIDER_KINDS, ROLES } from '../../src/core/types.js';
import { TOOLS } from '../../src/tools/catalog.js';
import { readRepoText, repoPath } from '../helpers/repo.js';

const contract = readRepoText('docs/contract.md');
/** Everything the document shows as code: `name`. */
const named = new Set([...contract.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!));

describe('docs/contract.md', () => {
  it('documents every tool, each of its input fields, and its annotations', () => {
    for (const tool of TOOLS) {
      expect(named.has(tool.name), tool.name).toBe(true);
      // The "What each tool takes" row: every field, `?` marking the optional ones.
      const row = contract.split('\n').find((line) => line.startsWith(`| \`${tool.name}\` | \`provider?\``)) ?? '';
      for (const [field, schema] of Object.entries(tool.inputSchema.shape)) {
        const optional = (schema as { safeParse(value: unknown): { success: boolean } }).safeParse(undefined).success;
        expect(row, `${tool.name}.${field}`).toContain(`\`${field}${optional ? '?' : ''}\``);
      }
      const { readOnlyHint, destructiveHint, idempotentHint, openWorldHint } = tool.annotations;
      const annotations = [
        readOnlyHint ? 'read-only' : destructiveHint ? 'destructive' : 'not read-only, not destructive',
        idempotentHint ? 'idempotent' : 'not idempotent',
        openWorldHint ? 'open world' : 'closed world',
      ].join(', ');
      expect(contract).toContain(`| \`${tool.name}\` | ${tool.annotations.readOnlyHint ? 'reads' : 'writes'} | ${annotations} |`);
    }
  });

  it('documents every status, error code, role, directory kind and provider kind the code has', () => {
    for (const word of [...MEMBER_STATUSES, ...ERROR_CODES, ...ROLES, ...DIRECTORY_KINDS, ...PROVIDER_KINDS]) {
      expect(contract, word).toContain(`\`${word}\``);
    }
  });

  it('states the summary arithmetic', () => {
    expect(contract).toContain('`requested = changed + unchanged + failed`');
  });
});

describe('references to the contract', () => {
  /** Files users read or ship, outside the provider adapters and simulators (their notes are another doc's). */
  function ownFiles(): string[] {
    const sources = readdirSync(repoPath('src'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => join(entry.parentPath, entry.name).slice(repoPath('').length))
      .filter((path) => !/^src[\\/](providers|sandbox)[\\/]/.test(path));
    return ['README.md', 'docs/contract.md', 'docs/clients.md', ...sources];
  }

  it('point at docs/contract.md, never at notes outside the repository', () => {
    const offenders = ownFiles().filter((path) => readRepoText(path).includes('../shared'));
    expect(offenders).toEqual([]);
    expect(readRepoText('README.md')).toContain('](docs/contract.md)');
    expect(readRepoText('src/tools/schemas.ts')).toContain('docs/contract.md');
  });
});
