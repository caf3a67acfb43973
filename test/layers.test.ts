import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The import graph of src/: each folder is a layer, and imports run only downwards (core ← http ←
 * providers ← connections ← sandbox, tools ← mcp, doctor ← cli). An arrow the wrong way, a cycle, or a
 * package used outside its room fails here with the file and the import.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Which layer each file belongs to: the first matching prefix of its path below src/. */
const LAYER_OF: Array<[prefix: string, layer: string]> = [
  ['core/', 'core'],
  ['version.ts', 'core'],
  ['http/', 'http'],
  ['providers/', 'providers'],
  ['config.ts', 'connections'],
  ['connections.ts', 'connections'],
  ['sandbox/', 'sandbox'],
  ['tools/', 'tools'],
  ['mcp/', 'mcp'],
  ['doctor/', 'doctor'],
  ['cli.ts', 'cli'],
  ['demo/', 'demo'],
];

/** The layers each layer may import from (besides itself). */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  http: ['core'],
  providers: ['core', 'http'],
  connections: ['core', 'http', 'providers'],
  sandbox: ['core', 'providers', 'connections'],
  tools: ['core', 'providers', 'connections'],
  mcp: ['core', 'connections', 'tools'],
  doctor: ['core', 'http', 'providers', 'connections', 'sandbox'],
  cli: ['core', 'connections', 'providers', 'sandbox', 'mcp', 'doctor'],
  demo: ['sandbox'],
};

/** Packages that belong to one room: the SDK's server side behind mcp/sdk.ts, undici in http/, zod with the schemas. */
const PACKAGE_ROOMS: Array<[pattern: RegExp, allowed: (file: string) => boolean]> = [
  [/^@modelcontextprotocol\/sdk\/(server|types|shared)/, (file) => file === 'mcp/sdk.ts'],
  [/^@modelcontextprotocol\/sdk\/client/, (file) => file.startsWith('demo/')],
  [/^undici$/, (file) => file.startsWith('http/')],
  [/^zod$/, (file) => file.startsWith('tools/') || file.startsWith('mcp/')],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

interface Import {
  from: string;
  specifier: string;
  /** The imported file below src/, for relative imports. */
  to?: string;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(SRC, file);
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms), ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!);
  return specifiers.map((specifier) =>
    specifier.startsWith('.') ? { from, specifier, to: relative(SRC, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts') } : { from, specifier },
  );
}

function layerOf(file: string): string {
  const found = LAYER_OF.find(([prefix]) => file === prefix || file.startsWith(prefix));
  if (!found) throw new Error(`${file} is in no layer: add it to LAYER_OF in test/layers.test.ts`);
  return found[1];
}

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);

describe('the import graph of src/', () => {
  it('is read from every source file', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(imports.filter((i) => i.to).length).toBeGreaterThan(150);
  });

  it('has no arrow from a lower layer to a higher one', () => {
    const upward = imports
      .filter((i) => i.to !== undefined)
      .filter((i) => {
        const [from, to] = [layerOf(i.from), layerOf(i.to!)];
        return from !== to && !MAY_IMPORT[from]!.includes(to);
      })
      .map((i) => `${i.from} (${layerOf(i.from)}) imports ${i.to} (${layerOf(i.to!)})`);
    expect(upward).toEqual([]);
  });

  it('keeps each package in its room', () => {
    const misplaced = imports
      .filter((i) => i.to === undefined)
      .filter((i) => PACKAGE_ROOMS.some(([pattern, allowed]) => pattern.test(i.specifier) && !allowed(i.from)))
      .map((i) => `${i.from} imports ${i.specifier}`);
    expect(misplaced).toEqual([]);
  });

  it('has no cycle', () => {
    const edges = new Map<string, string[]>();
    for (const i of imports) if (i.to) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') return void cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
      state.set(file, 'visiting');
      for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of edges.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
