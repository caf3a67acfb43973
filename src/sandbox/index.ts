import type { ConnectionConfig } from '../providers/module.js';
import { providerModule } from '../providers/registry.js';
import { httpDefaults } from '../config.js';
import { logExchangesTo, type HttpSimulator, type SimulatorOptions } from './simulator.js';
import { ClockifySimulator } from './clockify/server.js';
import { CLOCKIFY_SANDBOX_KEY, CLOCKIFY_SANDBOX_WORKSPACE } from './clockify/seed.js';
import { GoRulesSimulator } from './gorules/server.js';
import { GORULES_SANDBOX_TOKEN } from './gorules/seed.js';
import { ProjectManagerSimulator } from './projectmanager/server.js';
import { PM_SANDBOX_KEY } from './projectmanager/seed.js';
import { ZelloSimulator } from './zello/server.js';
import { ZELLO_ADMIN } from './zello/seed.js';

/** The simulators of a running sandbox, by provider. */
export interface SandboxSimulators {
  clockify: ClockifySimulator;
  gorules: GoRulesSimulator;
  projectmanager: ProjectManagerSimulator;
  zello: ZelloSimulator;
}

export interface Sandbox {
  simulators: SandboxSimulators;
  /** One connection per provider, named after it, pointing at its simulator. */
  connections: ConnectionConfig[];
  stop(): Promise<void>;
}

export interface SandboxOptions extends SimulatorOptions {
  /** Environment for the shared HTTP settings (timeouts, retries); defaults to none. */
  env?: Record<string, string | undefined>;
  /** Replaces each connection's limits (benchmarks, tests). */
  limits?: ConnectionConfig['http']['limits'];
  /** Synthetic people added to the ProjectManager.com directory (benchmarks, batch tests). */
  extraPeople?: number;
}

/**
 * Starts every simulator in-process on 127.0.0.1 and returns connections to them. With
 * MEMBERS_MCP_SANDBOX_EXCHANGES set to a file, every exchange is appended there as a JSON line
 * (the test suite checks those of a sandbox in a child process against the API descriptions).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const exchangeLog = process.env.MEMBERS_MCP_SANDBOX_EXCHANGES;
  if (exchangeLog) logExchangesTo(exchangeLog);
  const [clockify, gorules, projectmanager, zello] = await Promise.all([
    new ClockifySimulator(options).start(),
    new GoRulesSimulator(options).start(),
    new ProjectManagerSimulator({ ...options, extraPeople: options.extraPeople ?? 0 }).start(),
    new ZelloSimulator(options).start(),
  ]);
  const simulators: SandboxSimulators = { clockify, gorules, projectmanager, zello };
  const started: HttpSimulator[] = [clockify, gorules, projectmanager, zello];
  const shared = httpDefaults(options.env ?? {});
  const connection = (kind: ConnectionConfig['kind'], values: Record<string, string>): ConnectionConfig => {
    const module = providerModule(kind)!;
    return {
      name: kind,
      kind,
      sandbox: true,
      values,
      http: { ...shared, retry: { ...shared.retry, ...module.retry }, limits: options.limits ?? { ...module.defaultLimits } },
    };
  };
  return {
    simulators,
    connections: [
      connection('clockify', { apiKey: CLOCKIFY_SANDBOX_KEY, workspaceId: CLOCKIFY_SANDBOX_WORKSPACE, baseUrl: clockify.baseUrl }),
      connection('gorules', { baseUrl: gorules.url, token: GORULES_SANDBOX_TOKEN }),
      connection('projectmanager', { apiKey: PM_SANDBOX_KEY, baseUrl: projectmanager.url }),
      connection('zello', { baseUrl: zello.url, username: ZELLO_ADMIN.username, password: ZELLO_ADMIN.password }),
    ],
    async stop() {
      await Promise.all(started.map((simulator) => simulator.stop()));
    },
  };
}
