import type { Readable } from 'node:stream'

/** One backup as a store holds it: raw bytes only; what they mean is decided in core/ops. */
export interface StoredBackup {
  id: string
  /** Objects under this backup, with their sizes (an interrupted upload shows here too). */
  files: Array<{ name: string; size: number }>
  /** The committed manifest's text; undefined when the backup never finished. */
  manifest?: string
  /** Mutable metadata (pins, last verification); undefined when never written. */
  meta?: string
  /** The newest modification time of anything in it. */
  modifiedAt: Date
}

export interface StoreLock {
  release(): Promise<void>
}

/**
 * Where backups live. A backup is committed when its manifest exists: `writeArchive` must make
 * the archive durable under its final name before `commit` writes the manifest, so a crash at any
 * point leaves either a complete backup or one that `list` shows without a manifest (incomplete).
 * A new backend (S3 …) is one file implementing this.
 */
export interface BackupStore {
  readonly kind: 'dir' | 's3'
  /** As the user would type it (a directory or s3://bucket/prefix). */
  readonly location: string
  list(): Promise<StoredBackup[]>
  get(id: string): Promise<StoredBackup | undefined>
  openRead(id: string, name: string): Promise<Readable>
  writeArchive(id: string, name: string, data: Readable): Promise<void>
  commit(id: string, manifest: string): Promise<void>
  writeMeta(id: string, meta: string): Promise<void>
  remove(id: string): Promise<void>
  /** Serialises create and prune (a prune must never delete a backup being written). */
  lock(command: string, waitSeconds?: number): Promise<StoreLock>
}

export const MANIFEST_OBJECT = 'manifest.json'
export const META_OBJECT = 'meta.json'
