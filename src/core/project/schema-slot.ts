import type { projectFileSchema } from './schema.js'

// The project schema once schema.ts has been evaluated (it registers itself here). document.ts
// reads it from here instead of importing schema.ts, so a command whose state file passes the
// plain checks (plain-check.ts) never loads zod (ARCHITECTURE.md §20, §30).
let registered: typeof projectFileSchema | undefined

export const registerProjectSchema = (schema: typeof projectFileSchema): void => {
  registered = schema
}

export const registeredProjectSchema = (): typeof projectFileSchema | undefined => registered
