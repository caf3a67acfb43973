import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/doctor/report.js';
import { CLI, cleanEnv, startSandboxProcess } from '../helpers/stdio.js';

/** Runs the built CLI to its end (bounded), and returns what it printed and its exit code. */
async function run(args: string[], env = cleanEnv()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('project-members-mcp doctor', () => {
  it('checks the in-process sandbox: a table, exit code 0', async () => {
    const { code, stdout } = await run(['doctor', '--sandbox']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^project-members-mcp doctor: 4 connections checked\.\n\nCONNECTION\s+PROVIDER\s+STATUS\s+RATE LIMIT\s+WHAT TO FIX\n/);
    expect(stdout).toMatch(/\nzello\s+Zello \(sandbox\)\s+ok\s+off\s+-\n/);
  });

  it('--doctor --json: the report for scripts, against the standalone sandbox’s variables', async () => {
    const sandbox = await startSandboxProcess();
    try {
      const { code, stdout, stderr } = await run(['--doctor', '--json'], cleanEnv(sandbox.env));
      expect(code, stderr).toBe(0);
      const report = JSON.parse(stdout) as DoctorReport;
      expect(report.ok).toBe(true);
      expect(report.connections.map((c) => [c.connection, c.sandbox, c.status])).toEqual([
        ['clockify', false, 'ok'],
        ['gorules', false, 'ok'],
        ['projectmanager', false, 'ok'],
        ['zello', false, 'ok'],
      ]);
    } finally {
      sandbox.child.kill('SIGTERM');
      await sandbox.exited;
    }
  });

  it('exits 1 when a connection is unusable, and 1 with a hint when nothing is configured', async () => {
    const broken = await run(['doctor'], cleanEnv({ GORULES_BASE_URL: 'https://your-org.us1.gorules.io', GORULES_TOKEN: 'a-token-1234' }));
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/\ngorules\s+GoRules BRMS\s+UNUSABLE\s+-\s+GORULES_BASE_URL is still a placeholder/);
    const none = await run(['doctor']);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('No provider connection is configured');
  });

  it('refuses the server-only options and --json without doctor, in one line with exit code 2', () => {
    for (const [args, message] of [
      [['doctor', '--http'], 'doctor takes --json, --sandbox, --config and --log-level, not --http'],
      [['--json'], '--json goes with doctor'],
    ] as const) {
      const result = spawnSync(process.execPath, [CLI, ...args], { env: cleanEnv(), encoding: 'utf8', input: '' });
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`[project-members-mcp] error: ${message}\n`);
    }
    const help = spawnSync(process.execPath, [CLI, 'doctor', '--help'], { env: cleanEnv(), encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: project-members-mcp doctor');
  });
});
