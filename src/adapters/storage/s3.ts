import type { Readable } from 'node:stream'
import type { S3Client } from '@aws-sdk/client-s3'
import { CpoError } from '../../errors.js'
import { checkName, SAFE_NAME } from './names.js'
import { cjsInterop, connect, type S3Sdk, type S3Settings, s3Settings } from './s3-config.js'
import { isNotFound, isPreconditionFailed, s3Error } from './s3-errors.js'
import { acquireObjectLock } from './s3-lock.js'
import { type BackupStore, MANIFEST_OBJECT, META_OBJECT, type StoredBackup } from './types.js'

// Not a valid id (ids cannot start with a dot), so it never shows up as a backup.
const LOCK_OBJECT = '.cpo-lock'
const QUEUE_SIZE = 2

interface S3Object {
  key: string
  size: number
  modified: Date
}

/**
 * Backups as objects: `<prefix>/<id>/{archive.tar.zst, manifest.json, meta.json}`, the same
 * layout and commit rule as the directory store (the manifest is written last and is what makes
 * a backup complete). Nothing is loaded or connected until the first call.
 */
export function s3Store(location: string, env: NodeJS.ProcessEnv = process.env): BackupStore {
  const settings: S3Settings = s3Settings(location, env)
  const { bucket, prefix } = settings
  const display = `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}`
  const base = prefix === '' ? '' : `${prefix}/`
  const keyOf = (id: string, name: string) => {
    checkName('id', id)
    checkName('object', name)
    return `${base}${id}/${name}`
  }

  let connection: Promise<{ sdk: S3Sdk; client: S3Client }> | undefined
  const s3 = () => {
    connection ??= connect(settings, env)
    return connection
  }

  /** Runs one SDK call; any failure becomes a CpoError naming what was being done. */
  async function call<T>(action: string, fn: (sdk: S3Sdk, client: S3Client) => Promise<T>) {
    try {
      const { sdk, client } = await s3()
      return await fn(sdk, client)
    } catch (e) {
      throw s3Error(action, display, e)
    }
  }

  async function listObjects(under: string): Promise<S3Object[]> {
    return call(`list ${display}`, async (sdk, client) => {
      const out: S3Object[] = []
      const pages = sdk.paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: under })
      for await (const page of pages) {
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue
          out.push({ key: o.Key, size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) })
        }
      }
      return out
    })
  }

  async function getText(key: string): Promise<string | undefined> {
    return call(`read s3://${bucket}/${key}`, async (sdk, client) => {
      try {
        const r = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }))
        return await r.Body?.transformToString('utf8')
      } catch (e) {
        if (isNotFound(e)) return undefined
        throw e
      }
    })
  }

  async function putText(key: string, text: string, ifAbsent = false): Promise<void> {
    await call(`write s3://${bucket}/${key}`, (sdk, client) =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: text,
          ContentType: 'application/json',
          ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
        }),
      ),
    )
  }

  async function deleteKey(key: string): Promise<void> {
    await call(`delete s3://${bucket}/${key}`, (sdk, client) =>
      client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key })),
    )
  }

  /** Groups objects `<base><id>/<name>` into backups; anything else under the prefix is ignored. */
  async function describeAll(objects: S3Object[]): Promise<StoredBackup[]> {
    const byId = new Map<string, S3Object[]>()
    for (const o of objects) {
      const [id, name, ...deeper] = o.key.slice(base.length).split('/')
      if (!id || !name || deeper.length > 0 || !SAFE_NAME.test(id) || !SAFE_NAME.test(name))
        continue
      byId.set(id, [...(byId.get(id) ?? []), o])
    }
    const ids = [...byId.keys()].sort()
    return Promise.all(
      ids.map(async (id) => {
        const objs = byId.get(id) ?? []
        const has = (n: string) => objs.some((o) => o.key === keyOf(id, n))
        const [manifest, meta] = await Promise.all([
          has(MANIFEST_OBJECT) ? getText(keyOf(id, MANIFEST_OBJECT)) : undefined,
          has(META_OBJECT) ? getText(keyOf(id, META_OBJECT)) : undefined,
        ])
        return {
          id,
          files: objs
            .map((o) => ({ name: o.key.slice(base.length + id.length + 1), size: o.size }))
            .sort((a, b) => (a.name < b.name ? -1 : 1)),
          ...(manifest === undefined ? {} : { manifest }),
          ...(meta === undefined ? {} : { meta }),
          modifiedAt: new Date(Math.max(...objs.map((o) => o.modified.getTime()))),
        }
      }),
    )
  }

  return {
    kind: 's3',
    location: display,

    list: async () => describeAll(await listObjects(base)),

    async get(id) {
      checkName('id', id)
      const [one] = await describeAll(await listObjects(`${base}${id}/`))
      return one
    },

    async openRead(id, name) {
      const key = keyOf(id, name)
      return call(`read ${display}/${id}/${name}`, async (sdk, client) => {
        try {
          const r = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }))
          return r.Body as Readable
        } catch (e) {
          if (!isNotFound(e)) throw e
          throw new CpoError(
            'BACKUP_FILE_MISSING',
            'notFound',
            `backup ${id} has no ${name} in ${display}`,
            {
              hint: 'The backup is incomplete or was damaged; `cpo backup list` shows which are usable.',
            },
          )
        }
      })
    },

    async writeArchive(id, name, data) {
      const key = keyOf(id, name)
      await call(`upload ${display}/${id}/${name}`, async (_sdk, client) => {
        const { Upload } = cjsInterop(await import('@aws-sdk/lib-storage'))
        // Streams in parts of partSize with at most QUEUE_SIZE in flight, so memory stays at
        // about partSize × (QUEUE_SIZE + 1) whatever the archive's size. An archive smaller
        // than one part is a single PutObject. A failed multipart upload is aborted (its
        // parts deleted); one killed outright stays invisible to ListObjects and is cleaned
        // by the bucket's AbortIncompleteMultipartUpload lifecycle rule (see README).
        const upload = new Upload({
          client,
          params: { Bucket: bucket, Key: key, Body: data, ContentType: 'application/octet-stream' },
          partSize: settings.partSize,
          queueSize: QUEUE_SIZE,
          leavePartsOnError: false,
        })
        await upload.done()
      })
    },

    async commit(id, manifest) {
      // Written once: on real S3 If-None-Match: * makes a second commit of the same id fail
      // instead of silently replacing a manifest. s3rver and some S3-compatible servers ignore
      // the header, so there it is an ordinary PUT (ids are unique per run anyway).
      try {
        await putText(keyOf(id, MANIFEST_OBJECT), manifest, true)
      } catch (e) {
        if (!isPreconditionFailed((e as CpoError).cause)) throw e
        throw new CpoError(
          'BACKUP_ALREADY_COMMITTED',
          'conflict',
          `backup ${id} already has a manifest in ${display}`,
          {
            hint: 'Another run committed the same id; run `cpo backup create` again.',
            cause: e,
          },
        )
      }
    },

    writeMeta: (id, meta) => putText(keyOf(id, META_OBJECT), meta),

    async remove(id) {
      checkName('id', id)
      // The manifest goes first, as in the directory store: a remove cut short leaves an
      // incomplete backup, never a "complete" one with its archive gone.
      await deleteKey(keyOf(id, MANIFEST_OBJECT))
      for (const o of await listObjects(`${base}${id}/`)) await deleteKey(o.key)
    },

    lock(command, waitSeconds) {
      const key = `${base}${LOCK_OBJECT}`
      return acquireObjectLock(
        {
          read: () => getText(key),
          async create(body) {
            try {
              await putText(key, body, true)
              return true
            } catch (e) {
              if (isPreconditionFailed((e as CpoError).cause)) return false
              throw e
            }
          },
          remove: () => deleteKey(key),
        },
        display,
        command,
        waitSeconds,
      )
    },
  }
}
