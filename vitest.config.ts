import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Most of a test's time is spent waiting on the cpo and git processes it starts (and on
    // deliberate pauses), so more test files than cores run side by side.
    maxWorkers: 3,
  },
})
