import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
// @ts-expect-error s3rver ships no type declarations
import S3rver from '@20minutes/s3rver'
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CliResult } from '../helpers/repo.js'
import { commitAll, fingerprint, makeRepo, tempDir } from '../helpers/repo.js'
import { allRefs, richProject } from './fixtures.js'

// S3 stores against @20minutes/s3rver, started in this process on a free port of 127.0.0.1.
// The CLI runs as a child process and is awaited asynchronously (the helpers' spawnSync would
// block this event loop, and with it the server). s3rver only has the S3RVER/S3RVER key pair;
// allowMismatchedSignatures because its SigV4 check disagrees with the v3 SDK on some requests.
// NODE_OPTIONS=--openssl-legacy-provider is not set: s3rver needs DES only to mint continuation
// tokens for listings longer than 1,000 keys, which these tests never reach.
// What the emulator cannot prove: it ignores If-None-Match: * (the manifest's exactly-once
// commit and the lock's conditional create) and accepts parts under S3's 5 MiB minimum.

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')
const BUCKET = 'backups'
let server: { close(): Promise<void>; httpServer: import('node:http').Server }
let serverDir: string
let endpoint: string
let client: S3Client
const requests: string[] = []

beforeAll(async () => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/cli.js'))) {
    throw new Error('build first: node scripts/build.mjs')
  }
  serverDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpo-s3rver-'))
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: serverDir,
    silent: true,
    allowMismatchedSignatures: true,
    configureBuckets: [{ name: BUCKET }],
  })
  const address = (await (
    server as unknown as { run(): Promise<AddressInfo> }
  ).run()) as AddressInfo
  endpoint = `http://127.0.0.1:${address.port}`
  server.httpServer.prependListener('request', (req) => requests.push(`${req.method} ${req.url}`))
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
})

afterAll(async () => {
  client?.destroy()
  await server?.close()
  if (serverDir) fs.rmSync(serverDir, { recursive: true, force: true })
})

beforeEach(() => {
  requests.length = 0
})

/** Only what the test gives: no ~/.aws profile, no instance metadata, no other store. */
function s3Env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('AWS_') || k.startsWith('CPO_')) delete env[k]
  const none = path.join(os.tmpdir(), 'cpo-no-such-aws-file')
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: none,
    AWS_SHARED_CREDENTIALS_FILE: none,
    AWS_EC2_METADATA_DISABLED: 'true',
    CPO_S3_ENDPOINT: endpoint,
    // The setting recommended for emulators: the SDK's default adds CRC32 checksums, sent as
    // aws-chunked trailers for streamed bodies, which emulators have stored framing and all.
    // (cpo's uploads are buffered per part, and by hand they also verify without it here.)
    CPO_S3_CHECKSUMS: 'when_required',
    ...extra,
  }
}

/** The built CLI, awaited without blocking the event loop (the server lives in this process). */
function cpo(cwd: string, args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: s3Env(extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      let json: CliResult['json'] = { ok: false }
      try {
        json = JSON.parse(stdout)
      } catch {
        // not a --json run
      }
      resolve({ code, signal, stdout, stderr, json })
    })
  })
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

async function keys(prefix: string): Promise<string[]> {
  const r = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))
  return (r.Contents ?? []).map((o) => o.Key ?? '').sort()
}

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const { port } = srv.address() as AddressInfo
  await new Promise((r) => srv.close(r))
  return port
}

describe('S3 backup store (against s3rver)', () => {
  it('create (multipart) → list → verify --deep → restore round trip, the source untouched', async () => {
    const src = richProject()
    // 12 MiB of incompressible data: with 5 MiB parts the archive goes up as a multipart upload.
    fs.writeFileSync(path.join(src, 'big.bin'), randomBytes(12 * 1024 * 1024))
    commitAll(src, 'big binary')
    const before = fingerprint(src)
    const store = 's3://backups/team/shop'
    const created = await cpo(
      src,
      ['--json', 'backup', 'create', '--store', store, '--tag', 'nightly'],
      { CPO_S3_PART_SIZE_MB: '5' },
    )
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    const id = created.json.data.id as string
    expect(created.json.data.store).toBe(store)
    expect(fingerprint(src)).toEqual(before)
    const archive = created.json.data.archive.name as string
    expect(await keys('team/shop/')).toEqual(
      [`team/shop/${id}/${archive}`, `team/shop/${id}/manifest.json`].sort(),
    )
    const parts = requests.filter((r) => r.startsWith('PUT ') && r.includes('partNumber='))
    expect(requests.some((r) => r.startsWith('POST ') && r.includes('uploads'))).toBe(true)
    expect(parts.length).toBeGreaterThanOrEqual(3)
    // The manifest is the commit: it is written after the archive's last request.
    const manifestPut = requests.findIndex(
      (r) => r.startsWith('PUT ') && r.includes('manifest.json'),
    )
    const completed = requests.findIndex((r) => r.startsWith('POST ') && r.includes('uploadId='))
    expect(manifestPut).toBeGreaterThan(completed)
    expect(completed).toBeGreaterThan(-1)

    const listed = await cpo(src, ['--json', 'backup', 'list', '--store', store])
    expect(listed.code).toBe(0)
    expect(listed.json.data.store).toBe(store)
    expect(listed.json.data.backups).toEqual([
      expect.objectContaining({ id, status: 'complete', tags: ['nightly'], verifiedAt: null }),
    ])
    const verified = await cpo(src, ['--json', 'backup', 'verify', id, '--deep', '--store', store])
    expect(verified.code).toBe(0)
    expect(verified.json.data).toMatchObject({ id, ok: true, deep: true, problems: [] })
    expect(await keys(`team/shop/${id}/meta.json`)).toHaveLength(1)
    const relisted = await cpo(src, ['--json', 'backup', 'list', '--store', store])
    expect(relisted.json.data.backups[0].verifiedDeep).toBe(true)

    const target = path.join(tempDir(), 'restored')
    const restored = await cpo(tempDir(), ['--json', 'restore', id, target, '--store', store])
    expect(restored.code).toBe(0)
    expect(allRefs(target)).toBe(allRefs(src))
    // Hashes, not Buffers: a deep equal of two 12 MiB buffers takes vitest over a minute.
    expect(sha256(path.join(target, 'big.bin'))).toBe(sha256(path.join(src, 'big.bin')))
    expect(restored.json.data.files).toContain('master-project.json')
  })

  it('a tampered archive object fails verify and restore, and is listed as damaged until repaired', async () => {
    const src = makeRepo()
    const env = { CPO_BACKUP_STORE: 's3://backups/tamper' }
    const created = await cpo(src, ['--json', 'backup', 'create'], env)
    expect(created.code).toBe(0)
    const key = `tamper/${created.json.data.id}/${created.json.data.archive.name}`
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
    const good = Buffer.from(await (got.Body?.transformToByteArray() ?? new Uint8Array()))
    const bytes = Buffer.from(good)
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }))
    const id = created.json.data.id as string
    const verify = await cpo(src, ['--json', 'backup', 'verify', id], env)
    expect(verify.code).toBe(5)
    expect(verify.json.error?.code).toBe('BACKUP_DAMAGED')
    const restore = await cpo(tempDir(), ['--json', 'restore', id, path.join(tempDir(), 'r')], env)
    expect(restore.json.error?.code).toBe('BACKUP_DAMAGED')

    // The failed verify is recorded next to the backup, and list says so.
    expect(await keys(`tamper/${id}/meta.json`)).toHaveLength(1)
    const listed = await cpo(src, ['--json', 'backup', 'list'], env)
    expect(listed.json.data.backups).toEqual([
      expect.objectContaining({
        id,
        status: 'damaged',
        problem: expect.stringContaining('sha256'),
      }),
    ])
    expect((await cpo(src, ['backup', 'list'], env)).stdout).toMatch(new RegExp(`${id}\\s+DAMAGED`))
    // Repaired (the good object put back): the next verify passes and list says complete again.
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: good }))
    expect((await cpo(src, ['--json', 'backup', 'verify', id], env)).code).toBe(0)
    const relisted = await cpo(src, ['--json', 'backup', 'list'], env)
    expect(relisted.json.data.backups).toEqual([
      expect.objectContaining({ id, status: 'complete', problem: null }),
    ])
  })

  it('prune and pin work against the bucket; other prefixes are left alone', async () => {
    const src = makeRepo()
    const env = { CPO_BACKUP_STORE: 's3://backups/prune' }
    const other = await cpo(src, ['--json', 'backup', 'create', '--store', 's3://backups/other'])
    expect(other.code).toBe(0)
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const r = await cpo(src, ['--json', 'backup', 'create'], env)
      expect(r.code).toBe(0)
      ids.push(r.json.data.id)
    }
    const [first, second, third] = ids as [string, string, string]
    expect((await cpo(src, ['--json', 'backup', 'pin', first], env)).json.data.pinned).toBe(true)
    const dry = await cpo(src, ['--json', 'backup', 'prune', '--keep-last', '1', '--dry-run'], env)
    expect(dry.json.data.remove.map((d: { id: string }) => d.id)).toEqual([second])
    const pruned = await cpo(src, ['--json', '--yes', 'backup', 'prune', '--keep-last', '1'], env)
    expect(pruned.code).toBe(0)
    expect(pruned.json.data.removed).toEqual([second])
    const left = await keys('prune/')
    expect(left.some((k) => k.includes(second))).toBe(false)
    expect(left.filter((k) => k.endsWith('manifest.json'))).toHaveLength(2)
    expect(left).not.toContain('prune/.cpo-lock')
    const listed = await cpo(src, ['--json', 'backup', 'list'], env)
    expect(listed.json.data.backups.map((b: { id: string }) => b.id)).toEqual([third, first])
    expect(await keys('other/')).toHaveLength(2)
  })

  it('a create killed after the upload is listed as incomplete; its lock is taken over', async () => {
    const src = makeRepo()
    const env = { CPO_BACKUP_STORE: 's3://backups/crash' }
    const killed = await cpo(src, ['backup', 'create'], {
      ...env,
      CPO_FAULT: 'backup-archive-written',
    })
    expect(killed.signal).toBe('SIGKILL')
    expect(await keys('crash/.cpo-lock')).toHaveLength(1)
    const list = await cpo(src, ['--json', 'backup', 'list'], env)
    expect(list.json.data.backups).toHaveLength(1)
    const [b] = list.json.data.backups
    expect(b.status).toBe('incomplete')
    const verify = await cpo(src, ['--json', 'backup', 'verify', b.id], env)
    expect(verify.json.error?.code).toBe('BACKUP_INCOMPLETE')
    // The dead process held the store lock: same host, pid gone, so it is taken over.
    const next = await cpo(src, ['backup', 'create'], env)
    expect(next.code, next.stderr).toBe(0)
    const pruned = await cpo(src, ['--json', '--yes', 'backup', 'prune', '--keep-last', '5'], env)
    expect(pruned.code, pruned.stdout).toBe(0)
    expect(pruned.json.data.removed).toEqual([b.id])
    expect(pruned.json.data.remove[0].reasons).toEqual(['incomplete'])

    // Killed while streaming: the upload never completed, so there is nothing to list at all.
    const mid = await cpo(src, ['backup', 'create'], { ...env, CPO_FAULT: 'backup-streaming' })
    expect(mid.signal).toBe('SIGKILL')
    const after = await cpo(src, ['--json', 'backup', 'list'], env)
    expect(after.json.data.backups.map((x: { status: string }) => x.status)).toEqual(['complete'])
  })

  it('unreachable endpoint, wrong credentials, missing bucket, bad settings: clear errors', async () => {
    const src = makeRepo()
    const port = await closedPort()
    const down = { CPO_S3_ENDPOINT: `http://127.0.0.1:${port}` }
    const list = await cpo(src, ['--json', 'backup', 'list', '--store', 's3://backups/x'], down)
    expect(list.code).toBe(6)
    expect(list.json.error).toMatchObject({ code: 'STORE_UNREACHABLE' })
    expect(list.json.error?.message).toContain('ECONNREFUSED')
    expect(list.json.error?.hint).toContain('CPO_S3_ENDPOINT')
    const create = await cpo(src, ['backup', 'create', '--store', 's3://backups/x'], down)
    expect(create.code).toBe(6)
    expect(create.stderr).toContain('unreachable')

    const denied = await cpo(src, ['--json', 'backup', 'create', '--store', 's3://backups/deny'], {
      AWS_ACCESS_KEY_ID: 'NOT-A-KEY',
    })
    expect(denied.code).toBe(6)
    expect(denied.json.error).toMatchObject({ code: 'STORE_ACCESS_DENIED' })
    expect(denied.json.error?.message).toContain('InvalidAccessKeyId')
    expect(await keys('deny/')).toEqual([])

    const missing = await cpo(src, ['--json', 'backup', 'create', '--store', 's3://no-bucket/x'])
    expect(missing.code).toBe(6)
    expect(missing.json.error).toMatchObject({ code: 'STORE_BUCKET_MISSING' })

    const bad = await cpo(src, ['--json', 'backup', 'list', '--store', 's3://backups/x'], {
      CPO_S3_CHECKSUMS: 'sometimes',
    })
    expect(bad.code).toBe(2)
    expect(bad.json.error?.code).toBe('STORE_BAD_CONFIG')
    const badUrl = await cpo(src, ['--json', 'backup', 'list', '--store', 's3://backups/a//b'])
    expect(badUrl.json.error?.code).toBe('STORE_BAD_CONFIG')
  })
})

describe('start-up cost', () => {
  // The SDK is bundled into chunks of its own that only a dynamic import() reaches: no command
  // (the backup commands with a directory store included) loads it before an s3:// store is used.
  it('no chunk statically reachable from the CLI or a command contains the AWS SDK', () => {
    const dist = path.resolve(import.meta.dirname, '../../dist')
    const read = (f: string) => fs.readFileSync(f, 'utf8')
    const staticDeps = (file: string) =>
      [...read(file).matchAll(/(?:from|import)\s*"(\.\.?\/[^"]+)"/g)].map((m) =>
        path.resolve(path.dirname(file), m[1] as string),
      )
    const entries = [
      path.join(dist, 'cli.js'),
      ...[...read(path.join(dist, 'cli.js')).matchAll(/import\("(\.\/chunks\/[^"]+)"\)/g)].map(
        (m) => path.join(dist, m[1] as string),
      ),
    ]
    expect(entries.some((e) => path.basename(e).startsWith('backup-'))).toBe(true)
    for (const entry of entries) {
      const seen = new Set<string>()
      const todo = [entry]
      while (todo.length > 0) {
        const file = todo.pop() as string
        if (seen.has(file)) continue
        seen.add(file)
        expect(read(file), `${path.basename(entry)} → ${path.basename(file)}`).not.toMatch(
          /\/\/ node_modules\/@aws-sdk\//,
        )
        todo.push(...staticDeps(file))
      }
    }
  })
})
