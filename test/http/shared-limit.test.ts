import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/http/rate-limit.js';
import { FileStartLog, sharedLimitDir, sharedLimitFile } from '../../src/http/shared-limit.js';
import { tempDir } from '../helpers/temp.js';

const DIST = fileURLToPath(new URL('../../dist/src/http/', import.meta.url));

/** A child process that takes as many turns as it can from the shared file, all at once, and prints how many it got. */
const CONTENDER = `
const [file, goAt, tries] = process.argv.slice(1);
const { FileStartLog } = await import(${JSON.stringify(`${DIST}shared-limit.js`)});
const { RateLimiter } = await import(${JSON.stringify(`${DIST}rate-limit.js`)});
const limiter = new RateLimiter({ requests: 40, intervalMs: 3600000 }, new FileStartLog(file));
while (Date.now() < Number(goAt)) {}
let granted = 0;
for (let i = 0; i < Number(tries); i++) if (limiter.tryAcquire()) granted++;
process.stdout.write(String(granted));
`;

function contender(file: string, goAt: number, tries: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, file, String(goAt), String(tries)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Number(out));
      else reject(new Error(`contender exited with ${code}: ${err}`));
    });
  });
}

describe('rate-limit state shared between processes', () => {
  it('admits exactly the limit when two processes take turns at the same moment', async () => {
    if (!existsSync(`${DIST}shared-limit.js`)) throw new Error('dist is missing: run `npm run build` (npm test does)');
    const file = join(tempDir('shared-limit-'), 'clockify.json');
    const goAt = Date.now() + 600; // both start their loops together, after node has started
    const granted = await Promise.all([contender(file, goAt, 40), contender(file, goAt, 40)]);
    expect(granted[0]! + granted[1]!).toBe(40);
    expect(new FileStartLog(file).read()).toHaveLength(40);
    // A limiter in this process sees the same window: nothing left.
    expect(new RateLimiter({ requests: 40, intervalMs: 3_600_000 }, new FileStartLog(file)).status()).toMatchObject({ available: 0 });
  });

  it('recovers a lock left by a process that died, or one that is too old', () => {
    const file = join(tempDir('shared-limit-'), 'state.json');
    const log = new FileStartLog(file);
    writeFileSync(`${file}.lock`, `2147483646 ${Date.now()}`); // a pid that is not running
    expect(log.take(1000, 0, 5)).toBe(true);
    writeFileSync(`${file}.lock`, `${process.pid} ${Date.now() - 60_000}`); // alive, but held for a minute
    expect(log.take(2000, 0, 5)).toBe(true);
    expect(log.read()).toEqual([1000, 2000]);
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ starts: [1000, 2000] });
  });

  it('names one file per account, from settings that are not secret, under the cache directory', () => {
    expect(sharedLimitDir({ XDG_CACHE_HOME: '/tmp/cache' })).toBe('/tmp/cache/project-members-mcp/rate-limits');
    expect(sharedLimitDir({})).toMatch(/\.cache\/project-members-mcp\/rate-limits$/);
    const a = sharedLimitFile('/d', 'clockify', { baseUrl: 'https://api.clockify.me/api', workspaceId: 'w1' });
    expect(a).toMatch(/^\/d\/clockify-[0-9a-f]{16}\.json$/);
    expect(sharedLimitFile('/d', 'clockify', { workspaceId: 'w1', baseUrl: 'https://api.clockify.me/api' })).toBe(a);
    expect(sharedLimitFile('/d', 'clockify', { baseUrl: 'https://api.clockify.me/api', workspaceId: 'w2' })).not.toBe(a);
  });
});
