import * as z from 'zod/mini'
import { prdFileSchema } from '../../core/project/prd-schema.js'
import { projectFileSchema } from '../../core/project/schema.js'
import { COMMAND_DATA } from './commands.js'
import { envelopeSchema, plannedSchema, statusSchema } from './envelope.js'

/**
 * The published schemas (`cpo schema <name>`): the state files, and each command's --json
 * output: the envelope around each command's data (`commands.ts`; those sharing the
 * plan/result shape use `plannedSchema`). One entry per command; a test runs every command
 * and fails for one without an entry here.
 */
const planned = envelopeSchema(plannedSchema)
export const SCHEMAS: Record<string, z.ZodMiniType> = {
  'master-project': projectFileSchema,
  prd: prdFileSchema,
  envelope: envelopeSchema(),
  status: envelopeSchema(statusSchema),
  'checkpoint create': planned,
  'checkpoint delete': planned,
  'stage start': planned,
  'stage complete': planned,
  'rollback stage': planned,
  'rollback phase': planned,
  'rollback project': planned,
  'rollback story': planned,
  ...Object.fromEntries(
    Object.entries(COMMAND_DATA).map(([name, data]) => [name, envelopeSchema(data)]),
  ),
}

/** The schema a command's output is checked against: its own, else the envelope. */
export const schemaFor = (name: string): z.ZodMiniType =>
  SCHEMAS[name] ?? (SCHEMAS.envelope as z.ZodMiniType)

export function jsonSchemaOf(name: string): unknown {
  return z.toJSONSchema(schemaFor(name), { unrepresentable: 'any', io: 'output' })
}
