import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { cpoCommand } from '../../core/shell-quote.js'
import { CpoError } from '../../errors.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

/** The CPO skill's quick commands, each mapped to the cpo command that does it. */
export const QUICK_COMMANDS: Array<{ say: string; run: string; what: string }> = [
  { say: 'status', run: 'cpo status', what: 'where the project stands; interrupted work' },
  { say: 'resume', run: 'cpo status && cpo recover', what: 'finish or undo an interrupted step' },
  {
    say: 'checkpoint <name>',
    run: 'cpo checkpoint create <name>',
    what: 'a point to come back to',
  },
  { say: 'start stage', run: 'cpo stage start', what: 'checkpoint, then start the next stage' },
  { say: 'complete stage N', run: 'cpo stage complete SN', what: 'verify, tag stage-N-complete' },
  {
    say: 'rollback stage',
    run: 'cpo rollback stage --reason "…" --dry-run',
    what: 'plan going back to the current stage start, then run it without --dry-run',
  },
  {
    say: 'rollback stage N',
    run: 'cpo rollback stage N --reason "…"',
    what: 'back to stage N start',
  },
  {
    say: 'rollback phase',
    run: 'cpo rollback phase --reason "…"',
    what: 'back to the end of the previous phase',
  },
  {
    say: 'rollback project',
    run: 'cpo rollback project --reason "…"',
    what: 'back to the plan (phase 2 complete)',
  },
  {
    say: 'rollback story <id>',
    run: 'cpo rollback story <id> --reason "…"',
    what: "revert one story's commits",
  },
  {
    say: 'rollback deploy',
    run: 'cpo rollback deploy --reason "…"',
    what: 'the previous deployment (when deploys are configured)',
  },
  {
    say: 'undo',
    run: 'cpo undo',
    what: 'reverse the last cpo operation (an undo of an undo redoes)',
  },
  { say: 'timeline', run: 'cpo timeline', what: 'phases, stages and checkpoints' },
  { say: 'backup', run: 'cpo backup create', what: 'a verifiable archive of the whole project' },
]

export function quickCommandsBlock(): string {
  const width = Math.max(...QUICK_COMMANDS.map((q) => q.say.length)) + 2
  return [
    '## Quick Commands',
    '',
    'Run these through cpo (add --json for machine-readable output; every rollback is undoable with `cpo undo`):',
    '',
    '```',
    ...QUICK_COMMANDS.map((q) => `${q.say.padEnd(width)}→ ${q.run}    # ${q.what}`),
    '```',
    '',
  ].join('\n')
}

export function mcpEntry(): { mcpServers: Record<string, { command: string; args: string[] }> } {
  return { mcpServers: { cpo: { command: 'cpo', args: ['mcp'] } } }
}

export async function run(
  _g: GlobalOptions,
  o: { install?: string; force?: boolean },
): Promise<CommandOutput> {
  const block = quickCommandsBlock()
  const entry = mcpEntry()
  if (o.install === undefined) {
    return {
      data: { quickCommands: QUICK_COMMANDS, skillBlock: block, mcpJson: entry },
      text: `${block}\n.mcp.json:\n${JSON.stringify(entry, null, 2)}`,
    }
  }
  const dir = path.resolve(o.install)
  await fsp.mkdir(dir, { recursive: true })
  const files = {
    'cpo-quick-commands.md': block,
    '.mcp.json': `${JSON.stringify(entry, null, 2)}\n`,
  }
  const existing: string[] = []
  for (const name of Object.keys(files)) {
    if (
      await fsp.lstat(path.join(dir, name)).then(
        () => true,
        () => false,
      )
    )
      existing.push(name)
  }
  if (existing.length > 0 && !o.force) {
    throw new CpoError('FILE_EXISTS', 'conflict', `${existing.join(' and ')} already in ${dir}`, {
      hint: `Overwrite them with \`${cpoCommand('skill', '--install', dir, '--force')}\`.`,
      details: { existing },
    })
  }
  const written: string[] = []
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name)
    const tmp = `${file}.tmp-${process.pid}`
    await fsp.writeFile(tmp, content)
    await fsp.rename(tmp, file)
    written.push(file)
  }
  return {
    data: { quickCommands: QUICK_COMMANDS, skillBlock: block, mcpJson: entry, written },
    text: `wrote ${written.join(', ')}`,
  }
}
