import { createHash } from 'node:crypto'
import { createWriteStream, promises as fsp } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { decompress } from '../../adapters/archive/compression.js'
import { digestOf } from '../../adapters/archive/digest.js'
import { describeTypeflag, readTar } from '../../adapters/archive/tar-read.js'
import type { BackupStore } from '../../adapters/storage/types.js'
import { entryPathProblem } from '../../core/backup/entry-path.js'
import { MANIFEST_ENTRY } from '../../core/backup/layout.js'
import {
  innerManifest,
  type ManifestEntry,
  type StoredManifest,
  serializeManifest,
} from '../../core/backup/manifest.js'
import { parseManifest } from '../../core/backup/manifest-schema.js'
import { isCpoError } from '../../errors.js'

/** One thing wrong with a backup, named so a person knows what and where. */
export interface BackupProblem {
  code: string
  /** The archive entry concerned, when there is one. */
  entry?: string
  message: string
}

export interface ExtractResult {
  problems: BackupProblem[]
  /** Entries written under the destination (verified against the manifest). */
  extracted: string[]
  archive: { size: number; sha256: string }
}

const MAX_MANIFEST_BYTES = 64 << 20

/**
 * Checks a stored archive against its manifest and writes its entries under `dest`:
 * - the archive's own size and sha256 first (a flipped byte or a truncation shows here);
 * - then entry by entry: only regular files and directories, safe relative names, each one
 *   listed in the manifest with the same type, size and sha256, none twice, none missing; the
 *   copy of the manifest inside the archive must equal the stored one.
 * Nothing is written outside `dest`: refused entries are read past, never written, and a file
 * whose bytes do not match is deleted again. With `stopOnArchiveMismatch` (restore) a bad
 * archive checksum stops before anything is extracted.
 */
export async function extractArchive(
  store: BackupStore,
  id: string,
  manifest: StoredManifest,
  dest: string,
  options: { stopOnArchiveMismatch?: boolean } = {},
): Promise<ExtractResult> {
  const problems: BackupProblem[] = []
  const extracted: string[] = []
  const name = manifest.archive.name
  const archive = await digestOf(await store.openRead(id, name))
  if (archive.size !== manifest.archive.size) {
    problems.push({
      code: 'ARCHIVE_SIZE_MISMATCH',
      message: `${name} is ${archive.size} bytes, the manifest says ${manifest.archive.size} (truncated or altered)`,
    })
  } else if (archive.sha256 !== manifest.archive.sha256) {
    problems.push({
      code: 'ARCHIVE_CHECKSUM_MISMATCH',
      message: `${name} does not match its sha256 in the manifest (altered or damaged)`,
    })
  }
  if (problems.length > 0 && options.stopOnArchiveMismatch) return { problems, extracted, archive }

  const expected = new Map<string, ManifestEntry>(manifest.entries.map((e) => [e.path, e]))
  const seen = new Set<string>()
  let inner: Buffer | undefined
  const root = path.resolve(dest)
  const unpack = decompress(await store.openRead(id, name), manifest.compression)

  const visit = async (
    entry: import('../../adapters/archive/tar-read.js').TarEntryInfo,
    data: AsyncIterable<Buffer>,
  ) => {
    const label = JSON.stringify(entry.name)
    const unsafe = entryPathProblem(entry.name)
    if (unsafe) {
      problems.push({
        code: 'ENTRY_UNSAFE_PATH',
        entry: entry.name,
        message: `entry ${label} refused: ${unsafe}`,
      })
      return
    }
    if (entry.type === 'other') {
      const link = entry.linkname ? ` → ${JSON.stringify(entry.linkname)}` : ''
      problems.push({
        code: 'ENTRY_NOT_ALLOWED',
        entry: entry.name,
        message: `entry ${label} refused: it is a ${describeTypeflag(entry.typeflag)}${link}; only regular files and directories are allowed`,
      })
      return
    }
    const key = entry.name.replace(/\/$/, '')
    if (seen.has(key)) {
      problems.push({
        code: 'ENTRY_DUPLICATE',
        entry: key,
        message: `entry ${label} appears twice`,
      })
      return
    }
    seen.add(key)
    if (key === MANIFEST_ENTRY && entry.type === 'file') {
      if (entry.size > MAX_MANIFEST_BYTES) {
        problems.push({
          code: 'MANIFEST_MISMATCH',
          entry: key,
          message: 'manifest.json in the archive is implausibly large',
        })
        return
      }
      const parts: Buffer[] = []
      for await (const c of data) parts.push(c)
      inner = Buffer.concat(parts)
      return
    }
    const want = expected.get(key)
    if (!want) {
      problems.push({
        code: 'ENTRY_UNEXPECTED',
        entry: key,
        message: `entry ${label} is not in the manifest`,
      })
      return
    }
    if (want.type !== entry.type) {
      problems.push({
        code: 'ENTRY_TYPE_MISMATCH',
        entry: key,
        message: `entry ${label} is a ${entry.type}, the manifest says ${want.type}`,
      })
      return
    }
    const target = path.resolve(root, key)
    // entryPathProblem already refused escapes; this is the belt to its braces.
    if (!target.startsWith(`${root}${path.sep}`)) {
      problems.push({
        code: 'ENTRY_UNSAFE_PATH',
        entry: key,
        message: `entry ${label} resolves outside the target`,
      })
      return
    }
    if (entry.type === 'dir') {
      await fsp.mkdir(target, { recursive: true })
      extracted.push(key)
      return
    }
    if (entry.size !== want.size) {
      problems.push({
        code: 'ENTRY_SIZE_MISMATCH',
        entry: key,
        message: `entry ${label} is ${entry.size} bytes, the manifest says ${want.size}`,
      })
      return
    }
    await fsp.mkdir(path.dirname(target), { recursive: true })
    const hash = createHash('sha256')
    async function* hashing(): AsyncGenerator<Buffer> {
      for await (const c of data) {
        hash.update(c)
        yield c
      }
    }
    // 'wx': never replace or follow something already there.
    await pipeline(
      Readable.from(hashing()),
      createWriteStream(target, { flags: 'wx', mode: 0o600 }),
    )
    if (hash.digest('hex') !== want.sha256) {
      await fsp.rm(target, { force: true })
      problems.push({
        code: 'ENTRY_CHECKSUM_MISMATCH',
        entry: key,
        message: `entry ${label} does not match its sha256 in the manifest (altered or damaged)`,
      })
      return
    }
    await fsp.chmod(target, want.mode & 0o777)
    extracted.push(key)
  }

  try {
    await readTar(unpack.output, visit)
  } catch (e) {
    unpack.abort()
    problems.push({ code: 'ARCHIVE_UNREADABLE', message: messageOf(e) })
  }
  try {
    await unpack.finished
  } catch (e) {
    const message = messageOf(e)
    // The same failure often surfaces twice: in the reader, and prefixed by the decompressor.
    if (!problems.some((p) => message.endsWith(p.message)))
      problems.push({ code: 'ARCHIVE_UNREADABLE', message })
  }

  const readable = !problems.some((p) => p.code === 'ARCHIVE_UNREADABLE')
  if (readable) {
    for (const e of manifest.entries) {
      if (!seen.has(e.path)) {
        problems.push({
          code: 'ENTRY_MISSING',
          entry: e.path,
          message: `entry ${JSON.stringify(e.path)} is in the manifest but not in the archive`,
        })
      }
    }
    problems.push(...innerProblems(inner, manifest))
  }
  return { problems, extracted, archive }
}

function innerProblems(inner: Buffer | undefined, manifest: StoredManifest): BackupProblem[] {
  if (inner === undefined) {
    return [
      { code: 'ENTRY_MISSING', entry: MANIFEST_ENTRY, message: 'the archive has no manifest.json' },
    ]
  }
  try {
    const parsed = parseManifest(inner.toString('utf8'), 'manifest.json in the archive')
    if (serializeManifest(parsed) !== serializeManifest(innerManifest(manifest))) {
      return [
        {
          code: 'MANIFEST_MISMATCH',
          entry: MANIFEST_ENTRY,
          message: 'manifest.json in the archive differs from the stored manifest',
        },
      ]
    }
    return []
  } catch (e) {
    return [{ code: 'MANIFEST_MISMATCH', entry: MANIFEST_ENTRY, message: messageOf(e) }]
  }
}

const messageOf = (e: unknown): string =>
  isCpoError(e) || e instanceof Error ? e.message : String(e)
