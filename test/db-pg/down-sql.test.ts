import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createPostgresEngine, postgresLocation } from '../../src/adapters/db/postgres.js'
import type { DbCopyRef } from '../../src/adapters/db/types.js'
import { downSql } from '../../src/ops/db/down-sql.js'
import { type Cluster, pgBinDir, startCluster } from '../helpers/postgres.js'
import { tempDir } from '../helpers/repo.js'
import { databases, makeAppDb } from './fixture.js'

let cluster: Cluster
const engine = createPostgresEngine()

beforeAll(async () => {
  cluster = await startCluster()
  makeAppDb(cluster, 'fixture')
})

/** pg_dump's schema text, read directly (not through the engine), comments and SET lines dropped. */
function schemaOf(db: string): string {
  return execFileSync(
    path.join(pgBinDir(), 'pg_dump'),
    ['-s', '-O', '-x', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', db],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(
      (l) =>
        l && !l.startsWith('--') && !/^(SET |SELECT pg_catalog.set_config|\\(un)?restrict)/.test(l),
    )
    .join('\n')
}

/** The stage after the checkpoint: a new table, a new column, an index, a dropped constraint, rows. */
const STAGE_2 = `CREATE TABLE comments (id serial PRIMARY KEY, post_id bigint REFERENCES posts(id), body text);
INSERT INTO comments (post_id, body) VALUES (1, 'hi');
ALTER TABLE users ADD COLUMN nickname text;
UPDATE users SET nickname = 'n' || id;
CREATE INDEX posts_body_idx ON posts (body);
ALTER TABLE users DROP CONSTRAINT users_email_key;
INSERT INTO users (email) VALUES ('stage2@example.com');`

async function scenario(name: string, strategy: 'dump' | 'template') {
  cluster.sql('postgres', `CREATE DATABASE ${name} TEMPLATE fixture;`)
  const live = postgresLocation(cluster.url(name))
  const copy: DbCopyRef =
    strategy === 'dump'
      ? { strategy, location: path.join(tempDir(), 'db-cp.dump') }
      : { strategy, location: `${name}__cpo_cp` }
  await engine.copy(live, copy)
  const checkpointSchema = schemaOf(name)
  cluster.sql(name, STAGE_2)
  return { live, copy, checkpointSchema }
}

describe('cpo db down-sql', () => {
  for (const strategy of ['dump', 'template'] as const) {
    it(`${strategy} checkpoint: the SQL takes live back to the checkpoint's schema and keeps the rows`, async () => {
      const name = `app_${strategy}`
      const { live, copy, checkpointSchema } = await scenario(name, strategy)
      const before = databases(cluster)
      const plan = await downSql(engine, live, copy)

      expect(plan.live).toBe(live.redactedUrl)
      expect(plan.dataLoss).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^drop table "public"\."comments"/),
          expect.stringMatching(/^alter table "public"\."users" drop column "nickname"/),
          // A sequence holds a counter: dropping it is listed too.
          expect.stringMatching(/^drop sequence if exists "public"\."comments_id_seq"/),
        ]),
      )
      expect(plan.dataLoss).toHaveLength(3)
      expect(plan.statements.filter((s) => !plan.dataLoss.includes(s))).toHaveLength(6)
      expect(plan.statements).toEqual(
        expect.arrayContaining([expect.stringMatching(/drop index.*posts_body_idx/i)]),
      )
      expect(plan.statements.some((s) => /users_email_key/.test(s) && /unique/i.test(s))).toBe(true)
      // Computing it changed nothing: no scratch database left, live still has stage 2.
      expect(databases(cluster)).toEqual(before)
      expect(schemaOf(name)).not.toBe(checkpointSchema)

      // Applied in one transaction, it gives the checkpoint's schema with the surviving rows.
      cluster.sql(name, `BEGIN;\n${plan.sql}COMMIT;\n`)
      expect(schemaOf(name)).toBe(checkpointSchema)
      expect(cluster.sql(name, 'SELECT count(*) FROM users;').trim()).toBe('201')
      expect(
        cluster.sql(name, "SELECT count(*) FROM users WHERE email = 'stage2@example.com';").trim(),
      ).toBe('1')
      // Nothing more to do.
      expect((await downSql(engine, live, copy)).statements).toEqual([])
    })
  }

  it('an unchanged schema gives no statements; a missing copy is a clear error', async () => {
    cluster.sql('postgres', 'CREATE DATABASE same TEMPLATE fixture;')
    const live = postgresLocation(cluster.url('same'))
    await engine.copy(live, { strategy: 'template', location: 'same__cpo_cp' })
    cluster.sql('same', "INSERT INTO users (email) VALUES ('rows-are-not-schema@example.com');")
    const plan = await downSql(engine, live, { strategy: 'template', location: 'same__cpo_cp' })
    expect(plan).toMatchObject({ statements: [], dataLoss: [], sql: '' })
    const err = await downSql(engine, live, {
      strategy: 'template',
      location: 'same__cpo_gone',
    }).catch((e) => e)
    expect(err.code).toBe('DB_COPY_MISSING')
  })
})
