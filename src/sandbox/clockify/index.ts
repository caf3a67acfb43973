import type { SandboxProvider } from '../types.js';
import { clockifyDemo } from './demo.js';
import { CLOCKIFY_SANDBOX_KEY, CLOCKIFY_SANDBOX_WORKSPACE } from './seed.js';
import { ClockifySimulator } from './server.js';

export const clockifySandbox: SandboxProvider<ClockifySimulator> = {
  kind: 'clockify',
  async start(options) {
    const simulator = await new ClockifySimulator(options).start();
    return { simulator, settings: { apiKey: CLOCKIFY_SANDBOX_KEY, workspaceId: CLOCKIFY_SANDBOX_WORKSPACE, baseUrl: simulator.baseUrl } };
  },
  demo: clockifyDemo,
};
