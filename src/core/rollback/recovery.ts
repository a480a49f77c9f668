import { cpoCommand } from '../shell-quote.js'

/**
 * The commands that take a rollback back: undo it whole, or bring back only the work it set aside
 * (kept in its before-snapshot).
 */
export const recoveryCommands = (
  opId: string,
  beforeSnapshot: string,
  setAside: string[],
): { undo: string; paths: string | null } => ({
  undo: cpoCommand('undo', opId),
  paths:
    setAside.length === 0
      ? null
      : cpoCommand('snapshot', 'restore', beforeSnapshot, '--paths', ...setAside),
})
