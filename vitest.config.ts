import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests open loopback ports and spawn the built server; keep the machine's two cores usable.
    maxWorkers: 4,
  },
});
