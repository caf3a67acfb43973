import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Checks every simulator exchange against the provider's API description (test/specs/).
    setupFiles: ['test/helpers/spec-check.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests open loopback ports and spawn the built server; keep the machine's two cores usable.
    maxWorkers: 4,
  },
});
