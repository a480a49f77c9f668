import path from 'node:path'
import { CpoError } from '../../errors.js'
import { dirStore } from './dir.js'
import { s3Store } from './s3.js'
import type { BackupStore } from './types.js'

/** Picks the adapter for a store location: `s3://bucket/prefix` or a directory. */
export function openStore(location: string, cwd: string): BackupStore {
  // s3.ts imports only types from the AWS SDK: the SDK itself loads on the store's first call.
  if (/^s3:\/\//i.test(location)) return s3Store(location)
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new CpoError('STORE_NOT_SUPPORTED', 'usage', `unsupported backup store ${location}`, {
      hint: 'Give a directory or s3://bucket/prefix.',
    })
  }
  return dirStore(path.resolve(cwd, location))
}
