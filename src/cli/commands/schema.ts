import { CpoError } from '../../errors.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'
import { jsonSchemaOf, SCHEMAS } from '../schemas/index.js'

export async function run(_g: GlobalOptions, words: string[]): Promise<CommandOutput> {
  const name = words.join(' ')
  if (name === '') {
    const names = Object.keys(SCHEMAS)
    return { data: { schemas: names }, text: names.join('\n') }
  }
  if (!(name in SCHEMAS)) {
    throw new CpoError('SCHEMA_NOT_FOUND', 'notFound', `no schema ${JSON.stringify(name)}`, {
      hint: 'List them with `cpo schema`; then e.g. `cpo schema master-project`.',
      details: { known: Object.keys(SCHEMAS) },
    })
  }
  const schema = jsonSchemaOf(name)
  return { data: schema, text: JSON.stringify(schema, null, 2) }
}
