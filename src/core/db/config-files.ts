/**
 * Database facts read from project files as text, never executed (README.md, "Databases"):
 * dotenv files, the Prisma schema and config, the Drizzle config.
 */

/** Where a URL comes from in a config file: an env variable or a literal. */
export type UrlRef = { env: string } | { literal: string }

/** KEY=value lines (dotenv): quotes removed, `export ` allowed, comments skipped. */
export function parseDotenvText(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][\w.]*)\s*=\s*(.*)$/.exec(line)
    if (!m) continue
    let value = (m[2] ?? '').trim()
    const q = value[0]
    if ((q === '"' || q === "'" || q === '`') && value.indexOf(q, 1) > 0) {
      value = value.slice(1, value.indexOf(q, 1))
    } else {
      value = value.replace(/\s+#.*$/, '')
    }
    out[m[1] as string] = value
  }
  return out
}

const STR = String.raw`['"\x60]([^'"\x60]+)['"\x60]`

function urlRefIn(text: string): UrlRef | undefined {
  const env =
    /env\(\s*['"]([^'"]+)['"]\s*\)/.exec(text) ??
    /process\.env(?:\.([A-Za-z_]\w*)|\[\s*['"]([^'"]+)['"]\s*\])/.exec(text)
  if (env) return { env: (env[1] ?? env[2]) as string }
  const literal = new RegExp(`^\\s*${STR}`).exec(text)
  return literal ? { literal: literal[1] as string } : undefined
}

export interface PrismaSchemaFacts {
  provider?: string
  url?: UrlRef
}

/** The `datasource` block of `schema.prisma`: `provider` and `url = env("X")` or a literal. */
export function readPrismaSchema(text: string): PrismaSchemaFacts {
  const block = /datasource\s+\w+\s*\{([^}]*)\}/s.exec(stripLineComments(text))?.[1]
  if (!block) return {}
  const provider = /\bprovider\s*=\s*"([^"]+)"/.exec(block)?.[1]
  const urlText = /\burl\s*=\s*(.+)/.exec(block)?.[1]
  const url = urlText === undefined ? undefined : urlRefIn(urlText)
  return { ...(provider ? { provider } : {}), ...(url ? { url } : {}) }
}

export interface PrismaConfigFacts {
  schema?: string
  migrationsPath?: string
  url?: UrlRef
}

/** `prisma.config.ts`: `schema`, `migrations.path`, `datasource.url`. */
export function readPrismaConfig(text: string): PrismaConfigFacts {
  const t = stripLineComments(text)
  const schema = new RegExp(`\\bschema\\s*:\\s*${STR}`).exec(t)?.[1]
  const migrations = /\bmigrations\s*:\s*\{([^}]*)\}/s.exec(t)?.[1]
  const migrationsPath = migrations && new RegExp(`\\bpath\\s*:\\s*${STR}`).exec(migrations)?.[1]
  const datasource = /\bdatasource\s*:\s*\{([^}]*)\}/s.exec(t)?.[1]
  const urlText = datasource && /\burl\s*:\s*([^,\n}]+)/.exec(datasource)?.[1]
  const url = urlText ? urlRefIn(urlText) : undefined
  return {
    ...(schema ? { schema } : {}),
    ...(migrationsPath ? { migrationsPath } : {}),
    ...(url ? { url } : {}),
  }
}

export interface DrizzleConfigFacts {
  dialect?: string
  url?: UrlRef
  out?: string
  migrationsTable?: string
  migrationsSchema?: string
}

/** `drizzle.config.{ts,js,mjs}` read as text, or `drizzle.config.json` parsed. */
export function readDrizzleConfig(text: string, json: boolean): DrizzleConfigFacts {
  if (json) return drizzleFromJson(text)
  const t = stripLineComments(text)
  const pick = (re: RegExp, within = t) => re.exec(within)?.[1]
  const creds = /\bdbCredentials\s*:\s*\{([^}]*)\}/s.exec(t)?.[1]
  const urlText = creds && /\burl\s*:\s*([^,\n}]+)/.exec(creds)?.[1]
  const url = urlText ? urlRefIn(urlText) : undefined
  const migrations = /\bmigrations\s*:\s*\{([^}]*)\}/s.exec(t)?.[1] ?? ''
  const dialect = pick(new RegExp(`\\bdialect\\s*:\\s*${STR}`))
  const out = pick(new RegExp(`\\bout\\s*:\\s*${STR}`))
  const table = pick(new RegExp(`\\btable\\s*:\\s*${STR}`), migrations)
  const schema = pick(new RegExp(`\\bschema\\s*:\\s*${STR}`), migrations)
  return {
    ...(dialect ? { dialect } : {}),
    ...(url ? { url } : {}),
    ...(out ? { out } : {}),
    ...(table ? { migrationsTable: table } : {}),
    ...(schema ? { migrationsSchema: schema } : {}),
  }
}

function drizzleFromJson(text: string): DrizzleConfigFacts {
  interface DrizzleJson {
    dialect?: unknown
    out?: unknown
    dbCredentials?: { url?: unknown }
    migrations?: { table?: unknown; schema?: unknown }
  }
  let o: DrizzleJson
  try {
    o = JSON.parse(text) as DrizzleJson
  } catch {
    return {}
  }
  const url = o.dbCredentials?.url
  return {
    ...(typeof o.dialect === 'string' ? { dialect: o.dialect } : {}),
    ...(typeof url === 'string' ? { url: { literal: url } } : {}),
    ...(typeof o.out === 'string' ? { out: o.out } : {}),
    ...(typeof o.migrations?.table === 'string' ? { migrationsTable: o.migrations.table } : {}),
    ...(typeof o.migrations?.schema === 'string' ? { migrationsSchema: o.migrations.schema } : {}),
  }
}

/** `//` comments removed (not inside strings: a URL's `//` stays). */
function stripLineComments(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/^\s*\/\/.*$/, '').replace(/\s+\/\/(?![^'"`]*['"`]).*$/, ''))
    .join('\n')
}
