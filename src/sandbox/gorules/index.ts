import type { SandboxProvider } from '../types.js';
import { goRulesDemo } from './demo.js';
import { GORULES_SANDBOX_TOKEN } from './seed.js';
import { GoRulesSimulator } from './server.js';

export const goRulesSandbox: SandboxProvider<GoRulesSimulator> = {
  kind: 'gorules',
  async start(options) {
    const simulator = await new GoRulesSimulator(options).start();
    return { simulator, settings: { baseUrl: simulator.url, token: GORULES_SANDBOX_TOKEN } };
  },
  demo: goRulesDemo,
};
