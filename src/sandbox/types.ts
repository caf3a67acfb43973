import type { ProviderKind } from '../core/types.js';
import type { HttpSimulator, SimulatorOptions } from './simulator.js';

/** One call in the demo: what a newcomer should notice, and the tool call an agent would make. */
export interface DemoStep {
  say: string;
  tool: string;
  args: Record<string, unknown>;
}

/** A provider's part of the demo. It must leave `project`'s membership as it found it. */
export interface DemoScript {
  provider: string;
  title: string;
  /** The project whose membership is shown before and after, and must end as it started. */
  project: string;
  steps: DemoStep[];
}

/** A provider's sandbox: its simulator with demo data, what points a connection at it, and its demo. */
export interface SandboxProvider<Simulator extends HttpSimulator = HttpSimulator> {
  kind: ProviderKind;
  /**
   * Starts the simulator on 127.0.0.1 with its demo data, and returns the provider's settings
   * (SettingSpec keys: base URL, credentials, workspace) that point a connection at it.
   */
  start(options: SimulatorOptions): Promise<{ simulator: Simulator; settings: Record<string, string> }>;
  demo: DemoScript;
}
