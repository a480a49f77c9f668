import { defineConfig } from 'vitest/config'

// NODE_EXTRA_CA_CERTS makes every Node process read and parse that file of certificates as it
// starts (a system bundle costs about 50 ms of CPU), and the suite starts thousands of them: each
// `cpo` a test runs, the test workers, the helpers. No test speaks TLS (every server a test
// talks to is local plain HTTP or a local database), so the workers and everything they start
// go without it. The workers take their environment from this process when they start.
delete process.env.NODE_EXTRA_CA_CERTS

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // A worker runs test file after test file in one process, loading vitest, the helpers and
    // the sources once (a fresh process per file cost a third of a second of CPU each). Helpers
    // register their clean-ups through test/helpers/hooks.ts, run by this setup file for every
    // test file; a test that changes process-wide state (umask, an environment variable) puts it
    // back in its own hooks.
    isolate: false,
    setupFiles: ['test/helpers/setup.ts'],
    globalSetup: ['test/helpers/fixtures-dir.ts'],
    // Most of a test's time is spent waiting on the cpo and git processes it starts (and on
    // deliberate pauses), so more test files than cores run side by side.
    maxWorkers: 3,
  },
})
