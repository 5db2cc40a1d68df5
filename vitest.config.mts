import { defineConfig } from 'vitest/config';

/** The ground-truth tests run real experiments against real processes and judge timing: one file at a time, after the rest. */
const GROUND_TRUTH = 'local/control-plane/ground-truth*.test.ts';

export default defineConfig({
  test: {
    globalSetup: ['test-support/global-setup.ts'],
    setupFiles: ['test-support/worker-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Local-platform tests start real processes; two cores are shared with them.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'tests',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'dist/**', 'cdk.out/**', GROUND_TRUTH],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'ground-truth',
          include: [GROUND_TRUTH],
          // Each file's experiments judge cold starts by time: nothing else competes for the two cores meanwhile.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
