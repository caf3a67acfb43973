import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (test/helpers/ is two levels down). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function repoPath(relative: string): string {
  return fileURLToPath(new URL(relative, new URL('../../', import.meta.url)));
}

export function readRepoJson<T>(relative: string): T {
  return JSON.parse(readFileSync(repoPath(relative), 'utf8')) as T;
}

export function readRepoText(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}
