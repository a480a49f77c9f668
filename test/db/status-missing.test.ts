import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, fingerprint, makeRepo } from '../helpers/repo.js'

/** Nothing in the environment may point cpo at a database. */
const NO_DB = { DATABASE_URL: '', APP_DB: '' }

describe('cpo db status without a database', () => {
  it('an empty project: exit 4, every place looked in, the command to run next; nothing changed', () => {
    const dir = makeRepo()
    const fp = fingerprint(dir)
    const r = cpo(dir, ['db', 'status', '--json'], NO_DB)

    expect(r.code).toBe(4)
    expect(r.json.ok).toBe(false)
    expect(r.json.error?.code).toBe('DB_NOT_CONFIGURED')
    const message = r.json.error?.message ?? ''
    expect(message).toContain(`no database URL found in ${dir}`)
    for (const place of [
      '--db-url (not given)',
      'the environment (DATABASE_URL not set)',
      '.env.local (no such file)',
      '.env.development (no such file)',
      '.env (no such file)',
      'prisma/schema.prisma, prisma.config.ts and drizzle.config.ts, drizzle.config.js, drizzle.config.mjs, drizzle.config.json (none there)',
      'master-project.json productDefinition.techStack.database is not set',
    ])
      expect(message).toContain(place)
    expect(r.json.error?.hint).toBe(
      `Pass the URL (\`cpo db status --db-url postgres://user:password@localhost:5432/app\`), or put DATABASE_URL=postgres://user:password@localhost:5432/app in ${path.join(dir, '.env')} (or .env.local), then run \`cpo db status\`.`,
    )
    // The report is still there beside the error.
    expect(r.json.data?.found?.orm?.value).toBe('none')

    const text = cpo(dir, ['db', 'status'], NO_DB)
    expect(text.code).toBe(4)
    expect(text.stderr).toContain('hint: Pass the URL (`cpo db status --db-url ')
    expect(fingerprint(dir)).toEqual(fp)
  })

  it('the variable the Prisma schema names, an .env without it, the engine from the schema: each said as found', () => {
    const dir = makeRepo({
      'README.md': '# shop\n',
      'prisma/schema.prisma': 'datasource db {\n  provider = "sqlite"\n  url = env("APP_DB")\n}\n',
      '.env': 'OTHER=1\n',
    })
    const r = cpo(dir, ['db', 'status', '--json'], NO_DB)
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('DB_NOT_CONFIGURED')
    const message = r.json.error?.message ?? ''
    expect(message).toContain('the environment (APP_DB not set)')
    expect(message).toContain('.env (no APP_DB in it)')
    expect(message).toContain('prisma/schema.prisma (names no literal URL)')
    expect(message).toContain('the engine, sqlite, comes from prisma/schema.prisma')
    expect(r.json.error?.hint).toContain('`cpo db status --db-url file:./dev.db`')
    expect(r.json.error?.hint).toContain(`APP_DB=file:./dev.db in ${path.join(dir, '.env')}`)
  })

  it('a URL cpo cannot read: exit 4, where it came from and what a URL looks like', () => {
    const dir = makeRepo()
    const r = cpo(dir, ['db', 'status', '--db-url', 'mysql://u@localhost/shop', '--json'], NO_DB)
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('DB_NOT_CONFIGURED')
    expect(r.json.error?.message).toBe(
      'the database URL from --db-url is not a PostgreSQL or SQLite URL cpo reads',
    )
    expect(r.json.error?.hint).toContain('postgres://user:password@host:5432/db')
    expect(r.json.error?.hint).toContain('file:./dev.db')
  })
})
