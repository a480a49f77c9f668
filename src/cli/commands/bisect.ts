import { bisect } from '../../ops/bisect/index.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

interface Flags {
  command?: string
  from?: string
  to?: string
  /** Each progress line, also when not at a terminal (the MCP server's progress notifications). */
  progress?: (line: string) => void
}

export async function run(g: GlobalOptions, o: Flags): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const live = !g.json && process.stderr.isTTY === true
  const r = await bisect(repo, {
    ...(o.command === undefined ? {} : { command: o.command }),
    ...(o.from === undefined ? {} : { from: o.from }),
    ...(o.to === undefined ? {} : { to: o.to }),
    onProgress: (line) => {
      if (live) process.stderr.write(`${line}\n`)
      o.progress?.(line)
    },
  })
  const tail = r.outputTail.trimEnd().split('\n').slice(-15)
  return {
    data: r,
    text: [
      `command: ${r.command}${r.commandFrom === 'option' ? '' : ` (from the ${r.commandFrom})`}`,
      ...r.probes.map(
        (p) =>
          `  ${p.checkpoint} (${p.commit.slice(0, 10)}): ${p.result}${p.cached ? ' (cached)' : ''}`,
      ),
      `passes at ${r.lastGood.name}, fails from ${r.firstBad.name}`,
      `stage: ${r.stage ? (r.stage.id ?? r.stage.number) : 'unknown'}`,
      `story: ${r.story ?? 'none named in the commit message'}`,
      `first bad commit: ${r.commit.sha.slice(0, 10)} ${r.commit.subject}`,
      `files: ${r.files.join(', ') || '(none)'}`,
      `output at the first bad commit (exit ${r.exitCode}):`,
      ...tail.map((l) => `  | ${l}`),
      ...(r.story
        ? [`revert just that story with: cpo rollback story ${r.story} --reason '…'`]
        : []),
    ].join('\n'),
  }
}
