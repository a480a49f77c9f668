/**
 * Named crash points. With CPO_FAULT=<name> the process dies at that point with SIGKILL: no
 * finally blocks, no lock release, no journal entry, exactly like a power cut or `kill -9`.
 * CPO_PAUSE=<name>:<ms> holds the process there instead, so a test can line up a second run
 * against it (how lock contention is shown deterministically).
 */
/** The points a journaled operation that restores a snapshot passes, in order. */
export const OPERATION_FAILPOINTS = [
  'lock-taken',
  'before-snapshot',
  'journal-begun',
  'restore-refs',
  'restore-head',
  'restore-aside',
  'restore-deletions',
  'restore-writes',
  'restore-index',
  'applied',
  'after-snapshot',
  'journal-done',
] as const

export const BACKUP_FAILPOINTS = ['backup-streaming', 'backup-archive-written'] as const

/** Stage start and complete: the state file has been read and is about to be written. */
export const STATE_FAILPOINTS = ['state-read'] as const

/** A database restore: staged beside the live one, live moved aside, staged moved in. */
export const DB_FAILPOINTS = ['db-staged', 'db-swapped-live', 'db-swapped'] as const

/**
 * A production rollback, inside its effect: the platform took the request / its job is final.
 * Kept apart from OPERATION_FAILPOINTS, which every snapshot-restoring operation passes.
 */
export const DEPLOY_FAILPOINTS = ['deploy-requested', 'deploy-followed'] as const

/** An env restore: its encrypted before-state is written / the platform or files were written. */
export const ENV_FAILPOINTS = ['env-before-saved', 'env-written'] as const

export const FAILPOINTS = [
  ...OPERATION_FAILPOINTS,
  ...DEPLOY_FAILPOINTS,
  ...ENV_FAILPOINTS,
  ...BACKUP_FAILPOINTS,
  ...STATE_FAILPOINTS,
  ...DB_FAILPOINTS,
] as const

export type Failpoint = (typeof FAILPOINTS)[number]

export function failpoint(name: Failpoint): void {
  if (process.env.CPO_FAULT === name) process.kill(process.pid, 'SIGKILL')
  const pause = process.env.CPO_PAUSE
  if (pause?.startsWith(`${name}:`)) {
    Atomics.wait(
      new Int32Array(new SharedArrayBuffer(4)),
      0,
      0,
      Number(pause.slice(name.length + 1)),
    )
  }
}
