import * as z from 'zod/mini'
import '../../core/zod-setup.js'

/** The one --json envelope every command prints (src/cli/output.ts). */
export const errorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.nullable(z.string()),
  details: z.optional(z.unknown()),
})

export const envelopeSchema = (data: z.ZodMiniType = z.unknown()) =>
  z.union([
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: errorBodySchema, data: z.optional(z.unknown()) }),
  ])

/** A command that can --dry-run: `plan` in both runs, `result` when it ran. */
export const plannedSchema = z.union([
  z.object({ dryRun: z.literal(true), plan: z.unknown() }),
  z.looseObject({ dryRun: z.literal(false), plan: z.unknown(), result: z.looseObject({}) }),
])

const operation = z.looseObject({ id: z.string(), command: z.string(), startedAt: z.string() })

export const statusSchema = z.object({
  root: z.string(),
  branch: z.nullable(z.string()),
  head: z.nullable(z.string()),
  project: z.nullable(
    z.object({
      name: z.nullable(z.string()),
      status: z.nullable(z.string()),
      phase: z.nullable(z.object({ number: z.number(), name: z.nullable(z.string()) })),
      currentStage: z.nullable(z.object({ id: z.string(), name: z.string() })),
      stages: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          status: z.string(),
          dependsOn: z.array(z.string()),
          startedAt: z.nullable(z.string()),
          completedAt: z.nullable(z.string()),
          testedAt: z.nullable(z.string()),
          stories: z.object({ total: z.number(), passing: z.number() }),
        }),
      ),
      progress: z.looseObject({}),
    }),
  ),
  projectFile: z.optional(z.string()),
  projectError: z.nullable(
    z.object({
      code: z.string(),
      message: z.string(),
      hint: z.nullable(z.string()),
      details: z.optional(z.unknown()),
    }),
  ),
  dirty: z.object({
    staged: z.array(z.string()),
    unstaged: z.array(z.string()),
    untracked: z.array(z.string()),
  }),
  pendingRecovery: z.array(operation),
  running: z.array(operation),
  lock: z.nullable(
    z.object({
      pid: z.number(),
      host: z.string(),
      command: z.string(),
      startedAt: z.string(),
      stale: z.boolean(),
    }),
  ),
})
