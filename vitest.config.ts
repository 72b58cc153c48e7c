import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end files start whole clusters; two at a time fits two cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
