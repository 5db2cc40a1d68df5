import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'cdk.out/**'],
    globalSetup: ['test-support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Local-platform tests start real processes; two cores are shared with them.
    maxWorkers: 2,
  },
});
