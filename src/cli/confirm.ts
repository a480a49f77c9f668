import { CpoError } from '../errors.js'
import type { GlobalOptions } from './options.js'

/**
 * Asks before a destructive step. Without a terminal (agents, CI) or with --json nobody can
 * answer, so the command needs --yes instead of hanging on a prompt.
 */
export async function confirm(opts: GlobalOptions, question: string): Promise<void> {
  if (opts.yes) return
  if (!opts.interactive) {
    throw new CpoError('CONFIRMATION_REQUIRED', 'usage', `${question} (no terminal to ask on)`, {
      hint: 'Pass --yes to confirm.',
    })
  }
  // Loaded only to ask: the command modules that import this one also serve read-only
  // commands (`checkpoint list`), which never prompt.
  const { createInterface } = await import('node:readline/promises')
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await rl.question(`${question} [y/N] `)
    if (!/^y(es)?$/i.test(answer.trim())) {
      throw new CpoError('CANCELLED', 'usage', 'cancelled, nothing was changed')
    }
  } finally {
    rl.close()
  }
}
