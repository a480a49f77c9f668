import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where fixtures kept for the whole run live (test/helpers/repo.ts `keepForRun`). */
    fixtureRoot: string
  }
}

/** Global setup (vitest.config.ts): one directory for the run's shared fixtures, removed after. */
export default function setup(project: TestProject): () => void {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cpo-fixtures-')))
  project.provide('fixtureRoot', root)
  return () => fs.rmSync(root, { recursive: true, force: true })
}
