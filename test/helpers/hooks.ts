/**
 * Clean-ups the helpers need after every test and after every test file. Test files share a
 * worker and its loaded modules (vitest.config.ts: `isolate: false`), so a helper module is
 * evaluated once per worker: a hook it registered as it loaded would belong to the first test
 * file only. The helpers list their clean-ups here instead, and test/helpers/setup.ts (a setup
 * file, run again for every test file) registers the hooks that run them.
 */
type CleanUp = () => unknown

const perTest: CleanUp[] = []
const perFile: CleanUp[] = []

/** Runs `fn` after each test of every test file. */
export function afterEveryTest(fn: CleanUp): void {
  perTest.push(fn)
}

/** Runs `fn` after every test file, once its own afterAll hooks are done. */
export function afterEveryFile(fn: CleanUp): void {
  perFile.push(fn)
}

// Last registered runs first, as vitest runs after-hooks (sequence.hooks: 'stack').
export async function runAfterTest(): Promise<void> {
  for (const fn of [...perTest].reverse()) await fn()
}

export async function runAfterFile(): Promise<void> {
  for (const fn of [...perFile].reverse()) await fn()
}
