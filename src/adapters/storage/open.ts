import path from 'node:path'
import { CpoError } from '../../errors.js'
import { dirStore } from './dir.js'
import type { BackupStore } from './types.js'

/** Picks the adapter for a store location: `s3://bucket/prefix` or a directory. */
export function openStore(location: string, cwd: string): BackupStore {
  if (/^s3:\/\//i.test(location)) {
    throw new CpoError('STORE_NOT_SUPPORTED', 'usage', 'S3 backup stores are not implemented yet', {
      hint: 'Use a directory store for now (--store <dir>).',
    })
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new CpoError('STORE_NOT_SUPPORTED', 'usage', `unsupported backup store ${location}`, {
      hint: 'Give a directory (or, later, s3://bucket/prefix).',
    })
  }
  return dirStore(path.resolve(cwd, location))
}
