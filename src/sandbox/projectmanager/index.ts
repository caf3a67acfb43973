import type { SandboxProvider } from '../types.js';
import { projectManagerDemo } from './demo.js';
import { PM_SANDBOX_KEY } from './seed.js';
import { ProjectManagerSimulator } from './server.js';

export const projectManagerSandbox: SandboxProvider<ProjectManagerSimulator> = {
  kind: 'projectmanager',
  async start(options) {
    const simulator = await new ProjectManagerSimulator(options).start();
    return { simulator, settings: { apiKey: PM_SANDBOX_KEY, baseUrl: simulator.url } };
  },
  demo: projectManagerDemo,
};
