import type { Command } from 'commander'
import { CpoError } from '../../errors.js'
import { commandAt, commandWords, pathOf } from '../help.js'
import type { CommandOutput } from '../output.js'

/**
 * Shell completion. The scripts call back `cpo __complete <words…>`, which answers with one
 * candidate per line: subcommands, options, and the ids that live in the repository at that
 * moment (stage ids, checkpoint names, operation and snapshot ids).
 */
const SCRIPTS: Record<string, string> = {
  bash: `# cpo completion for bash: eval "$(cpo completion bash)"
_cpo_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(cpo __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _cpo_complete cpo
`,
  zsh: `#compdef cpo
# cpo completion for zsh: eval "$(cpo completion zsh)"
_cpo() {
  local -a candidates
  candidates=("\${(@f)$(cpo __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _cpo cpo
`,
  fish: `# cpo completion for fish: cpo completion fish | source
complete -c cpo -f -a '(cpo __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`,
}

export async function script(_g: unknown, shell: string): Promise<CommandOutput> {
  const text = SCRIPTS[shell]
  if (text === undefined) {
    throw new CpoError('USAGE', 'usage', `no completion for ${JSON.stringify(shell)}`, {
      hint: 'Use `cpo completion bash`, `cpo completion zsh` or `cpo completion fish`.',
    })
  }
  return { data: { shell, script: text }, text }
}

/** What can be typed as the last word (possibly empty) after the words before it. */
export async function candidates(
  program: Command,
  words: string[],
  cwd: string,
): Promise<string[]> {
  const current = words.at(-1) ?? ''
  const before = words.slice(0, -1)
  const cmd = commandAt(program, before)
  if (current.startsWith('-')) {
    const opts = [...cmd.options, ...program.options].flatMap((o) =>
      [o.long, o.short].filter((f): f is string => f !== undefined),
    )
    return opts.filter((o) => o.startsWith(current))
  }
  const subs = cmd.commands.map((c) => c.name()).filter((n) => !n.startsWith('_'))
  const argsSoFar = commandWords(before).length - pathOf(cmd).length
  const ids =
    argsSoFar === 0 || cmd.registeredArguments.at(-1)?.variadic ? await idsFor(cmd, cwd) : []
  return [...subs, ...ids].filter((c) => c.startsWith(current))
}

async function idsFor(cmd: Command, cwd: string): Promise<string[]> {
  const where = pathOf(cmd).join(' ')
  try {
    const { openProjectRepo } = await import('../../ops/open-repo.js')
    const repo = await openProjectRepo(cwd)
    if (/^(stage (start|complete)|rollback stage)$/.test(where)) {
      const [{ readProjectDocument }, { stagesOf }] = await Promise.all([
        import('../../ops/project-file.js'),
        import('../../core/project/index.js'),
      ])
      const doc = await readProjectDocument(repo)
      return doc ? stagesOf(doc.data).map((s) => s.id) : []
    }
    if (/^(checkpoint (show|delete|diff|sidecars))$/.test(where)) {
      const { listCheckpoints } = await import('../../ops/checkpoint/list.js')
      return (await listCheckpoints(repo)).map((c) => c.name)
    }
    if (where === 'undo') {
      const { operationLog } = await import('../../ops/log.js')
      return (await operationLog(repo, 50)).operations.map((o) => o.id)
    }
    if (where === 'snapshot restore') {
      const { snapshotList } = await import('../../ops/snapshot.js')
      return (await snapshotList(repo)).map((s) => s.id)
    }
  } catch {
    // outside a repository or a damaged file: complete commands only
  }
  return []
}
