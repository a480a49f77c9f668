import { afterAll, afterEach } from 'vitest'
import { runAfterFile, runAfterTest } from './hooks.js'
// Tests call the core directly, as a library user does through src/index.ts, which loads the
// state file's schema; the CLI loads it on demand (ARCHITECTURE.md §30). Without this, a test
// file's result would hang on whether an earlier file in the same worker had loaded it.
import '../../src/core/project/schema.js'

// Run before every test file (vitest.config.ts `setupFiles`): see test/helpers/hooks.ts.
afterEach(runAfterTest)
afterAll(runAfterFile)
