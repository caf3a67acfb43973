import { parseArgs } from 'node:util';
import { ConfigError, envFlag } from '../config.js';
import { CONTROL_ENV, startControl, type SandboxControl } from './control.js';
import { startSandbox } from './index.js';

export const SANDBOX_USAGE = `Usage: project-members-mcp sandbox [--people N] [--latency MS]

Runs the simulators of every provider, with their demo data, in a process of their own. Prints one
JSON line on stdout, {"env": {...}}: the environment variables (base URLs, keys, tokens, usernames,
passwords, workspace ids) that point a server at them. A server started with that environment
(without --sandbox) works on the simulators, and their state lasts while this process runs, across
server processes. Serves until stdin closes or SIGTERM; logs go to stderr.

  --people N    add N generated people (person.0001@…) to each provider's directory, as active
                users who can be added to its projects (default 0)
  --latency MS  delay every reply by MS milliseconds (default 0)

For tests: with ${CONTROL_ENV}=1 the JSON line also has "control": {"url", "token"}, a loopback
endpoint that injects faults and reads the request log (src/sandbox/control.ts). Off by default.`;

/** `project-members-mcp sandbox`: the standalone sandbox that fault, kill and scale tests and benchmarks start. */
export async function runSandboxCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { people: { type: 'string' }, latency: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return void process.stdout.write(`${SANDBOX_USAGE}\n`);
  const people = count(values.people, '--people');
  const latencyMs = count(values.latency, '--latency');

  const sandbox = await startSandbox({ people, latencyMs });
  const control: SandboxControl | undefined = envFlag(process.env, CONTROL_ENV) ? await startControl(sandbox) : undefined;
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    await control?.stop().catch(() => undefined);
    await sandbox.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.stdin.on('end', () => void stop('stdin closed'));
  process.stdin.on('error', () => void stop('stdin failed'));
  process.stdin.resume();

  process.stdout.write(`${JSON.stringify(control ? { env: sandbox.env, control: { url: control.url, token: control.token } } : { env: sandbox.env })}\n`);
  log(
    `simulators started (demo data${people ? `, ${people} generated people each` : ''}${latencyMs ? `, ${latencyMs} ms latency` : ''}): ` +
      `${Object.entries(sandbox.simulators).map(([kind, simulator]) => `${kind} ${simulator.url}`).join(', ')}; serving until stdin closes`,
  );
}

function count(raw: string | undefined, flag: string): number {
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < 0) throw new ConfigError(`${flag} must be a whole number of 0 or more, got "${raw}"`);
  return value;
}

function log(message: string): void {
  process.stderr.write(`[project-members-mcp] sandbox: ${message}\n`);
}
