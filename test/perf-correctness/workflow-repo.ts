import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { commitAll, cpo, writeFiles } from '../helpers/repo.js'

/** `count` independent stages of two stories each, all pending, in the workflow's layout. */
export function pendingProject(count: number): string {
  const stages = Array.from({ length: count }, (_, i) => i + 1).map((n) => ({
    id: `S${n}`,
    epicId: 'E1',
    name: `Stage ${n}`,
    status: 'pending',
    dependsOn: [],
    stories: [1, 2].map((k) => ({
      id: `S${n}-US-00${k}`,
      title: 'x',
      priority: k,
      passes: false,
      attempts: 0,
      completedAt: null,
    })),
    startedAt: null,
    completedAt: null,
  }))
  const epics = [{ id: 'E1', name: 'e', status: 'pending', stages: stages.map((s) => s.id) }]
  const doc = { project: { name: 'p', status: 'in_progress' }, epics, stages, currentStage: null }
  return `${JSON.stringify({ ...doc, currentPhase: 3 }, null, 2)}\n`
}

export function ok(dir: string, args: string[]): void {
  const r = cpo(dir, args)
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}`).toBe(0)
}

let counter = 0
/** One story commit with a file of its own. */
export function work(dir: string, message: string): string {
  writeFiles(dir, { [`src/f${counter++}.ts`]: `${message}\n` })
  return commitAll(dir, message)
}

/** Marks stories passing (or a stage's status) in the state file and commits it, as an agent does. */
export function editState(
  dir: string,
  change: (doc: any) => void,
  message = 'chore: update state',
): void {
  const file = path.join(dir, 'master-project.json')
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
  change(doc)
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`)
  commitAll(dir, message)
}
