import type { SandboxProvider } from '../types.js';
import { zelloDemo } from './demo.js';
import { ZELLO_ADMIN } from './seed.js';
import { ZelloSimulator } from './server.js';

export const zelloSandbox: SandboxProvider<ZelloSimulator> = {
  kind: 'zello',
  async start(options) {
    const simulator = await new ZelloSimulator(options).start();
    return { simulator, settings: { baseUrl: simulator.url, username: ZELLO_ADMIN.username, password: ZELLO_ADMIN.password } };
  },
  demo: zelloDemo,
};
