/**
 * Named crash points. With CPO_FAULT=<name> the process dies at that point with SIGKILL: no
 * finally blocks, no lock release, no journal entry, exactly like a power cut or `kill -9`.
 */
export const FAILPOINTS = [
  'lock-taken',
  'before-snapshot',
  'journal-begun',
  'restore-refs',
  'restore-head',
  'restore-deletions',
  'restore-writes',
  'restore-index',
  'applied',
  'after-snapshot',
  'journal-done',
] as const

export type Failpoint = (typeof FAILPOINTS)[number]

export function failpoint(name: Failpoint): void {
  if (process.env.CPO_FAULT === name) process.kill(process.pid, 'SIGKILL')
}
