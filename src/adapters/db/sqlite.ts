import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, promises as fsp } from 'node:fs'
import path from 'node:path'
import { CpoError } from '../../errors.js'
import { failpoint } from '../failpoint.js'
import { fsyncDir } from '../fs.js'
import type { DbCopyInfo, DbCopyRef, DbEngine, DbLocation, DbProbe, DbTool } from './types.js'

/**
 * SQLite through the `sqlite3` command-line shell (README.md, "Databases"): no native module at
 * run time. SQL goes on stdin, the file path is one argument; `.bail on` stops at the first error
 * and a busy timeout waits for a writer's lock instead of failing at once.
 */
const INSTALL_HINT =
  'Install the sqlite3 command-line shell (Debian/Ubuntu: `sudo apt-get install sqlite3`; macOS: `brew install sqlite`), then run the command again.'

/** Read size for checksums: 1 MiB chunks cost ~40% less CPU than the 64 KiB default. */
const HASH_CHUNK = 1 << 20

interface CliResult {
  stdout: string
  stderr: string
  code: number | null
}

function runSqlite(args: string[], input: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.CPO_SQLITE3 || 'sqlite3', args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new CpoError(
              'DB_TOOL_MISSING',
              'external',
              'the sqlite3 command-line shell is not installed',
              {
                hint: INSTALL_HINT,
              },
            )
          : e,
      ),
    )
    child.stdin.on('error', () => {})
    child.on('close', (code) =>
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
      }),
    )
    child.stdin.end(input)
  })
}

const PRELUDE = '.bail on\n.timeout 10000\n'

/** Runs `sql` against `file`; a failure becomes a CpoError quoting sqlite's message. */
async function sqlite(
  file: string,
  sql: string,
  options: { json?: boolean } = {},
): Promise<string> {
  const mode = options.json ? '.mode json\n' : '.mode list\n.headers off\n'
  const r = await runSqlite(['-batch', '-bail', file], `${PRELUDE}${mode}${sql}\n`)
  if (r.code !== 0 || /^(Error|Parse error|Runtime error)/m.test(r.stderr)) {
    throw sqliteError(file, r.stderr.trim() || `sqlite3 exited with ${r.code}`)
  }
  return r.stdout
}

function sqliteError(file: string, message: string): CpoError {
  const firstLine = message.split('\n')[0] ?? message
  if (/disk is full|SQLITE_FULL|No space left/i.test(message)) {
    return new CpoError('DB_DISK_FULL', 'external', `no space left for the copy of ${file}`, {
      hint: 'Free some disk space (or prune old copies: `cpo db prune --keep-last 3`), then run the command again.',
    })
  }
  if (/not a database|malformed|corrupt/i.test(message)) {
    return new CpoError(
      'DB_COPY_CORRUPT',
      'external',
      `${file} is not a readable SQLite database: ${firstLine}`,
      {
        hint: 'Pick another checkpoint (`cpo db list`); this copy cannot be restored.',
      },
    )
  }
  return new CpoError('DB_COMMAND_FAILED', 'external', `sqlite3 failed on ${file}: ${firstLine}`, {
    hint: 'Check that the file is a SQLite database and not locked by another program, then run the command again.',
  })
}

/** A string literal for SQL: the only place a path enters SQL text. */
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`

/**
 * An argument of a shell dot-command (`.backup`): double-quoted, where the shell undoes `\\`
 * and `\"` escapes; a newline would end the command, so it is written as `\n`.
 */
const dotArg = (s: string): string =>
  `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`

/**
 * mmap for the source's reads during the page copy: ~0.4 s less CPU per GB than read() calls
 * (bench/README.md, "Databases: issue 11"). The connection only reads the source; an I/O error under mmap
 * ends that sqlite3 process (SIGBUS), which fails the copy and leaves the source as it was.
 */
const SOURCE_MMAP = 2 ** 40

async function toolInfo(): Promise<DbTool> {
  try {
    const r = await runSqlite(['-version'], '')
    const version = r.stdout.trim().split(/\s+/)[0]
    return { name: 'sqlite3', ...(version ? { version } : {}) }
  } catch (e) {
    return { name: 'sqlite3', problem: e instanceof Error ? e.message : String(e) }
  }
}

async function isFile(file: string): Promise<boolean> {
  return fsp.stat(file).then(
    (s) => s.isFile(),
    () => false,
  )
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function sha256Of(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(file, { highWaterMark: HASH_CHUNK })) {
    hash.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
  }
  return { sha256: hash.digest('hex'), bytes }
}

async function quickCheck(file: string): Promise<void> {
  const out = (await sqlite(file, 'PRAGMA quick_check;')).trim()
  if (out !== 'ok') {
    throw new CpoError(
      'DB_COPY_CORRUPT',
      'external',
      `${file} fails quick_check: ${out.split('\n')[0]}`,
      {
        hint: 'Pick another checkpoint (`cpo db list`); this copy cannot be restored.',
      },
    )
  }
}

/** Printed between the outputs of the copy's statements, so each is read apart. */
const MARK = 'cpo-section-'

/**
 * Copies `source` to the new file `to` in one sqlite3 process, as one committed state: a read
 * transaction opened first holds the snapshot, so the online backup (`.backup`, a page copy, ~2×
 * cheaper than `VACUUM INTO`) reads that snapshot to the end and never restarts when another
 * connection commits meanwhile (a WAL writer goes on; a rollback-journal writer waits, as it does
 * for `VACUUM INTO`). The copy is then set to `journal_mode=delete` (a page copy keeps the
 * source's WAL mode; a checkpoint file must need no -wal or -shm beside it) and proved with
 * `quick_check` through a connection of its own, reading the file as written.
 */
async function pageCopy(source: string, to: string): Promise<void> {
  const out = await sqlite(
    source,
    [
      `PRAGMA mmap_size = ${SOURCE_MMAP};`,
      'BEGIN;',
      'SELECT count(*) FROM sqlite_master;',
      `.backup ${dotArg(to)}`,
      'COMMIT;',
      `ATTACH ${literal(to)} AS copy;`,
      `.print ${MARK}mode`,
      'PRAGMA copy.journal_mode = delete;',
      `.print ${MARK}check`,
      'PRAGMA copy.quick_check;',
      'DETACH copy;',
    ].join('\n'),
  )
  const section = (name: string) =>
    (out.split(`${MARK}${name}\n`)[1] ?? '').split(MARK)[0]?.trim().split('\n') ?? []
  const mode = section('mode')[0]
  const check = section('check')
  if (mode !== 'delete') {
    throw new CpoError(
      'DB_COMMAND_FAILED',
      'external',
      `the copy of ${source} stays in journal mode ${mode ?? '(none)'}, not delete`,
      { hint: 'Check that the directory of the copy is writable, then run the command again.' },
    )
  }
  if (check.length !== 1 || check[0] !== 'ok') {
    throw new CpoError(
      'DB_COPY_CORRUPT',
      'external',
      `the copy of ${source} fails quick_check: ${check[0] ?? '(no result)'}`,
      { hint: 'Run `PRAGMA integrity_check` on the live database; the copy was not kept.' },
    )
  }
}

const tempBeside = (file: string): string =>
  path.join(path.dirname(file), `.${path.basename(file)}.cpo-tmp-${randomBytes(4).toString('hex')}`)

/** A file and the journal files SQLite keeps beside it. */
const COMPANIONS = ['', '-wal', '-shm', '-journal'] as const

/** Renames `from` (+ its companions) to `to`; a companion that is not there is skipped. */
async function moveWithCompanions(from: string, to: string): Promise<void> {
  for (const suffix of COMPANIONS) {
    try {
      await fsp.rename(`${from}${suffix}`, `${to}${suffix}`)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || suffix === '') throw e
    }
  }
}

async function missing(file: string): Promise<never> {
  throw new CpoError('DB_NOT_FOUND', 'notFound', `the SQLite database ${file} does not exist`, {
    hint: 'Create it (run your migrations), or point cpo at the right file with --db-url file:<path>.',
  })
}

export const sqliteEngine: DbEngine = {
  async probe(db: DbLocation): Promise<DbProbe> {
    const tool = await toolInfo()
    if (tool.problem) {
      return {
        reachable: false,
        problem: { code: 'DB_TOOL_MISSING', message: tool.problem, hint: INSTALL_HINT },
        tools: [tool],
      }
    }
    if (!(await isFile(db.name))) {
      return {
        reachable: false,
        problem: {
          code: 'DB_NOT_FOUND',
          message: `the SQLite database ${db.name} does not exist`,
          hint: 'Create it (run your migrations), or point cpo at the right file with --db-url file:<path>.',
        },
        tools: [tool],
      }
    }
    try {
      const version = (
        await sqlite(db.name, 'SELECT sqlite_version(); SELECT count(*) FROM sqlite_master;')
      )
        .trim()
        .split('\n')[0]
      return { reachable: true, ...(version ? { serverVersion: version } : {}), tools: [tool] }
    } catch (e) {
      const err = e as CpoError
      return {
        reachable: false,
        problem: { code: err.code ?? 'DB_UNREACHABLE', message: err.message, hint: err.hint ?? '' },
        tools: [tool],
      }
    }
  },

  async sessions() {
    return []
  },

  async copy(db: DbLocation, dest: DbCopyRef, options = {}): Promise<DbCopyInfo> {
    if (!(await isFile(db.name))) await missing(db.name)
    const tmp = tempBeside(dest.location)
    // `.backup` writes over whatever file is there (VACUUM INTO refused one): the temp file is
    // created empty first, exclusively and before the clean-up below could remove it, so nothing
    // of anyone else's can be under that name.
    await (await fsp.open(tmp, 'wx')).close()
    try {
      await pageCopy(db.name, tmp)
      // The checksum (when asked for) and the flush to disk follow the proven file, side by
      // side: the disk writes back while the hash reads the page cache.
      const [digest] = await Promise.all([
        options.checksum === false ? fsp.stat(tmp).then((s) => ({ bytes: s.size })) : sha256Of(tmp),
        fsyncFile(tmp),
      ])
      await fsp.rename(tmp, dest.location)
      await fsyncDir(path.dirname(dest.location))
      return { ...dest, ...digest }
    } catch (e) {
      for (const suffix of COMPANIONS) await fsp.rm(`${tmp}${suffix}`, { force: true })
      throw e
    }
  },

  async verifyCopy(_db, copy) {
    if (!(await isFile(copy.location))) {
      throw new CpoError(
        'DB_COPY_MISSING',
        'notFound',
        `the database copy ${copy.location} is gone`,
        {
          hint: 'Pick another checkpoint (`cpo db list`), or take a new one with `cpo db checkpoint`.',
        },
      )
    }
    await quickCheck(copy.location)
  },

  async schema(db) {
    if (!(await isFile(db.name))) await missing(db.name)
    const rows = JSON.parse(
      (await sqlite(
        db.name,
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, name;",
        { json: true },
      )) || '[]',
    ) as Array<{ type: string; name: string; sql: string }>
    return rows.map((r) => `-- ${r.type} ${r.name}\n${r.sql.trim()};\n`).join('\n')
  },

  async rowCounts(db) {
    const tables = (
      JSON.parse(
        (await sqlite(
          db.name,
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;",
          { json: true },
        )) || '[]',
      ) as Array<{ name: string }>
    ).map((r) => r.name)
    if (tables.length === 0) return {}
    const sql = tables
      .map((t) => `SELECT ${literal(t)} AS t, count(*) AS n FROM "${t.replace(/"/g, '""')}"`)
      .join(' UNION ALL ')
    const rows = JSON.parse((await sqlite(db.name, `${sql};`, { json: true })) || '[]') as Array<{
      t: string
      n: number
    }>
    return Object.fromEntries(rows.map((r) => [r.t, r.n]))
  },

  async query(db, sql) {
    try {
      const out = await sqlite(db.name, `PRAGMA query_only = 1;\n${sql};`, { json: true })
      return out.trim() === '' ? [] : (JSON.parse(out) as Record<string, unknown>[])
    } catch (e) {
      if (e instanceof CpoError && /no such table/.test(e.message)) return []
      throw e
    }
  },

  async stage(_db, copy, staged) {
    await this.verifyCopy(_db, copy)
    const tmp = tempBeside(staged)
    try {
      await fsp.copyFile(copy.location, tmp)
      await quickCheck(tmp)
      await fsyncFile(tmp)
      await fsp.rename(tmp, staged)
      await fsyncDir(path.dirname(staged))
    } catch (e) {
      await fsp.rm(tmp, { force: true })
      throw e
    }
  },

  async swap(db, staged, keptAs) {
    if (!(await isFile(staged))) {
      throw new CpoError('DB_STAGED_MISSING', 'internal', `the staged database ${staged} is gone`, {
        hint: 'Run the restore again; the live database was not changed.',
      })
    }
    // The live file moves aside with its -wal and -shm (a stale WAL beside the restored file
    // would be replayed into it); it is kept for undo, never deleted.
    await moveWithCompanions(db.name, keptAs)
    await fsyncDir(path.dirname(keptAs))
    failpoint('db-swapped-live')
    await fsp.rename(staged, db.name)
    await fsyncDir(path.dirname(db.name))
  },

  async rename(_db, from, to) {
    await moveWithCompanions(from, to)
    await fsyncDir(path.dirname(to))
  },

  async exists(_db, file) {
    return isFile(file)
  },

  async drop(_db, file) {
    for (const suffix of COMPANIONS) await fsp.rm(`${file}${suffix}`, { force: true })
  },

  async list(_db, prefix) {
    const dir = path.dirname(prefix)
    const base = path.basename(prefix)
    const names = await fsp.readdir(dir).catch(() => [] as string[])
    return names
      .filter((n) => n.startsWith(base) && !/-(wal|shm|journal)$/.test(n))
      .sort()
      .map((n) => path.join(dir, n))
  },
}

export default sqliteEngine
