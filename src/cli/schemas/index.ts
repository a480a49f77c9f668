import * as z from 'zod/mini'
import { prdFileSchema } from '../../core/project/prd-schema.js'
import { projectFileSchema } from '../../core/project/schema.js'
import { envelopeSchema, plannedSchema, statusSchema } from './envelope.js'

/**
 * The published schemas (`cpo schema <name>`): the state files, and each command's --json
 * output. A command whose data has its own schema names it here; the others publish the
 * envelope, and those with --dry-run the shared plan/result shape. One entry per command.
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
}

/** The schema a command's output is checked against: its own, else the envelope. */
export const schemaFor = (name: string): z.ZodMiniType =>
  SCHEMAS[name] ?? (SCHEMAS.envelope as z.ZodMiniType)

export function jsonSchemaOf(name: string): unknown {
  return z.toJSONSchema(schemaFor(name), { unrepresentable: 'any', io: 'output' })
}
