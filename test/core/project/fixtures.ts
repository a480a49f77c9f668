import { readFileSync } from 'node:fs'
import { type ProjectDocument, parseProjectDocument } from '../../../src/core/project/index.js'

export const FIXTURES = [
  'template-after-planning.json',
  'mid-execution.json',
  'current-stage-object.json',
  'parallel-dag.json',
  'four-space-no-newline.json',
] as const

export type FixtureName = (typeof FIXTURES)[number]

export const fixtureText = (name: FixtureName): string =>
  readFileSync(new URL(`../../fixtures/projects/${name}`, import.meta.url), 'utf8')

export const fixture = (name: FixtureName): ProjectDocument =>
  parseProjectDocument(fixtureText(name))

/** Throws unless `fn` throws; returns what it threw, for assertions on its fields. */
export const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected the call to throw')
}
