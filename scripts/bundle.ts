/**
 * Lays out the MCP bundle's directory for `mcpb pack` (npm run bundle): the manifest, the
 * compiled server without the demo, and the production dependencies as package-lock.json pins
 * them, copied from node_modules so that nothing is downloaded. Type declarations, sources,
 * source maps and read-mes of dependencies are left out; their licences stay.
 *
 *   node dist/scripts/bundle.js <staging directory>
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Files a running server never reads. */
const DROPPED_FILE = /(\.map|\.ts|\.cts|\.mts|\.tsbuildinfo)$|^(readme|changelog|history)(\.(md|markdown|txt))?$/i;

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
}

interface BundleLayout {
  directory: string;
  files: number;
  bytes: number;
  packages: number;
}

function layOutBundle(directory: string): BundleLayout {
  const target = resolve(directory);
  if (!existsSync(join(ROOT, 'dist/src/cli.js'))) throw new Error('dist/src/cli.js is missing: run `npm run build` first');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  // The bundle's package.json only has to make dist/ ES modules and say what this is.
  const bundlePackage = { name: pkg.name, version: pkg.version, description: pkg.description, license: pkg.license, type: pkg.type };
  writeFileSync(join(target, 'package.json'), `${JSON.stringify(bundlePackage, null, 2)}\n`);
  for (const file of ['manifest.json', 'LICENSE']) cpSync(join(ROOT, file), join(target, file));
  copyTree(join(ROOT, 'dist/src'), join(target, 'dist/src'), (path) => !path.startsWith(join(ROOT, 'dist/src/demo')));

  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  let packages = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev) continue;
    const source = join(ROOT, path);
    if (!existsSync(source)) {
      if (entry.optional) continue; // an optional dependency for another platform
      throw new Error(`${path} is a production dependency but is not installed: run npm ci`);
    }
    // Nested node_modules folders are entries of their own, so each package is copied without them.
    copyTree(source, join(target, path), (file) => basename(file) !== 'node_modules' || dirname(file) !== source);
    packages += 1;
  }

  const { files, bytes } = measure(target);
  return { directory: target, files, bytes, packages };
}

function copyTree(from: string, to: string, keep: (path: string) => boolean): void {
  cpSync(from, to, {
    recursive: true,
    filter: (path) => keep(path) && (statSync(path).isDirectory() || !DROPPED_FILE.test(basename(path))),
  });
}

function measure(directory: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const directory = process.argv[2];
  if (!directory) {
    process.stderr.write('usage: node dist/scripts/bundle.js <staging directory>\n');
    process.exit(2);
  }
  const layout = layOutBundle(directory);
  process.stdout.write(
    `bundle laid out in ${relative(process.cwd(), layout.directory) || '.'}: ${layout.files} files, ${(layout.bytes / 1024 / 1024).toFixed(1)} MB unpacked, ${layout.packages} production packages\n`,
  );
}
