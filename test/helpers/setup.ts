import { afterAll, afterEach } from 'vitest'
import { runAfterFile, runAfterTest } from './hooks.js'

// Run before every test file (vitest.config.ts `setupFiles`): see test/helpers/hooks.ts.
afterEach(runAfterTest)
afterAll(runAfterFile)
