import { describe, expect, it, vi } from 'vitest'
import type { CpoError } from '../../../src/errors.js'

// Commands that write the state no longer load the project schema up front (ARCHITECTURE.md
// §33). The test workers share one module registry (vitest.config.ts), where other test files
// have loaded the schema: fresh copies of the modules stand for a command's process.
const freshDocument = async () => {
  vi.resetModules()
  const slot = await import('../../../src/core/project/schema-slot.js')
  const document = await import('../../../src/core/project/document.js')
  return { slot, document }
}

const text = `${JSON.stringify({ stages: [{ id: 'S1', status: 'pending' }] }, null, 2)}\n`

const thrown = (f: () => unknown): CpoError => {
  try {
    f()
  } catch (e) {
    return e as CpoError
  }
  throw new Error('expected an error')
}

describe('state updates without the project schema loaded', () => {
  it('a valid update is made without the schema, and zod is not loaded for it', async () => {
    const { slot, document } = await freshDocument()
    const doc = document.parseProjectDocument(text)
    const next = document.updateStage(doc, 'S1', { status: 'in_progress' })
    expect(next.data.stages?.[0]?.status).toBe('in_progress')
    expect(document.serializeProjectDocument(next)).toBe(text.replace('pending', 'in_progress'))
    expect(slot.registeredProjectSchema()).toBeUndefined()
  })

  it('an update the plain checks refuse is STATE_UPDATE_INVALID, not a silent write', async () => {
    const { slot, document } = await freshDocument()
    const doc = document.parseProjectDocument(text)
    const bad = { status: 7 as unknown as string }
    const e = thrown(() => document.updateStage(doc, 'S1', bad))
    expect(slot.registeredProjectSchema()).toBeUndefined()
    expect(e.code).toBe('STATE_UPDATE_INVALID')
    expect(e.message).toBe(
      'An update would make master-project.json invalid: $: a value of the wrong type',
    )
    // With the schema loaded, the same update names the field, as before.
    await document.loadProjectSchema()
    const named = thrown(() => document.updateStage(doc, 'S1', bad))
    expect(named.code).toBe('STATE_UPDATE_INVALID')
    expect(named.message).toContain('$.stages[0].status')
  })
})
