import { loadConnections, type LoadedConnections } from '../config.js';
import type { ProviderKind } from '../core/types.js';
import { PROVIDER_MODULES, providerModule } from '../providers/registry.js';
import { SANDBOX_PROVIDERS } from './registry.js';
import { logExchangesTo, type SimulatorOptions } from './simulator.js';

type Env = Record<string, string | undefined>;

/** The simulators of a running sandbox, by provider kind. */
export type SandboxSimulators = {
  [Kind in keyof typeof SANDBOX_PROVIDERS]: Awaited<ReturnType<(typeof SANDBOX_PROVIDERS)[Kind]['start']>>['simulator'];
};

export interface Sandbox {
  simulators: SandboxSimulators;
  /**
   * The environment variables that point a server at the simulators, names and values: each
   * provider's base URL, credentials and workspace, as a configured server reads them.
   */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Latency, fault dice and generated people (`people`), for every simulator alike. */
export type SandboxOptions = SimulatorOptions;

/**
 * Starts every provider's simulator on 127.0.0.1 with its demo data. With
 * MEMBERS_MCP_SANDBOX_EXCHANGES set to a file, every exchange is appended there as a JSON line
 * (the test suite checks those of a sandbox in a child process, in-process `--sandbox` or the
 * standalone `sandbox` command, against the providers' API descriptions).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const exchangeLog = process.env.MEMBERS_MCP_SANDBOX_EXCHANGES;
  if (exchangeLog) logExchangesTo(exchangeLog);
  const kinds = Object.keys(SANDBOX_PROVIDERS) as ProviderKind[];
  const outcomes = await Promise.allSettled(kinds.map((kind) => SANDBOX_PROVIDERS[kind].start(options)));
  const running = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const stop = async () => {
    await Promise.all(running.map(({ simulator }) => simulator.stop()));
  };
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  const simulators = Object.fromEntries(kinds.map((kind, index) => [kind, running[index]!.simulator])) as SandboxSimulators;
  const env = Object.assign({}, ...kinds.map((kind, index) => settingsEnv(kind, running[index]!.settings))) as Record<string, string>;
  return { simulators, env, stop };
}

/** Settings by key as the environment variables the provider module reads them from. */
function settingsEnv(kind: ProviderKind, settings: Record<string, string>): Record<string, string> {
  const module = providerModule(kind)!;
  return Object.fromEntries(
    Object.entries(settings).map(([key, value]) => {
      const setting = module.settings.find((s) => s.key === key);
      if (!setting) throw new Error(`the ${kind} sandbox names a setting "${key}" that ${module.label} does not have`);
      return [setting.env, value];
    }),
  );
}

/**
 * The in-process sandbox's connections, built from its variables the way a configured server
 * builds them (validation, defaults and the `<PROVIDER>_RATE_LIMIT` / `_MAX_IN_FLIGHT` and
 * `MEMBERS_MCP_*` variables of `env` included), marked as sandbox. Provider settings in `env`
 * are ignored: the sandbox uses only its simulators.
 */
export function sandboxConnections(sandbox: Sandbox, env: Env = {}): LoadedConnections {
  const base: Env = { ...env };
  for (const module of PROVIDER_MODULES) for (const setting of module.settings) delete base[setting.env];
  return loadConnections({ ...base, ...sandbox.env }, undefined, { sandbox: true });
}
