import path from 'node:path'
import { openRepo } from '../../adapters/repo.js'
import type { Slot } from '../../core/env/types.js'
import { slotText } from '../../core/env/types.js'
import { backupEnv } from '../../ops/env/backup.js'
import { diffEnvBackup } from '../../ops/env/diff.js'
import type { EnvPlanView } from '../../ops/env/plan.js'
import { restoreEnv } from '../../ops/env/restore.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

/** Names only ever: no value reaches stdout, stderr or --json (README.md, "Env vars"). */

const abs = (g: GlobalOptions, file: string) => path.resolve(g.cwd, file)

export async function backup(
  g: GlobalOptions,
  o: { platform?: string; local?: boolean; to?: string; encrypt?: boolean; recipient?: string[] },
): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const r = await backupEnv(repo, {
    ...(o.platform === undefined ? {} : { platform: o.platform }),
    ...(o.local ? { local: true } : {}),
    ...(o.to === undefined ? {} : { to: abs(g, o.to) }),
    ...(o.encrypt ? { encrypt: true } : {}),
    ...(o.recipient ? { recipients: o.recipient } : {}),
  })
  const lines = [
    `backed up ${r.count} ${o.local ? 'file(s)' : 'variable(s)'} of ${r.source} to ${r.file} (${r.encrypted ? 'values encrypted' : 'names and a redacted template only, no values'})`,
    ...(r.notRecoverable.length > 0
      ? [
          'not recoverable (the platform keeps them write-only):',
          ...r.notRecoverable.map((n) => `  - ${n}`),
        ]
      : []),
    r.encrypted ? `restore with: cpo env restore ${r.file}${o.local ? ' --local' : ''}` : '',
  ]
  return { data: r, text: lines.filter(Boolean).join('\n') }
}

export async function diff(
  g: GlobalOptions,
  file: string,
  o: { identity?: string },
): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const r = await diffEnvBackup(
    repo,
    abs(g, file),
    o.identity ? { identityFile: abs(g, o.identity) } : {},
  )
  return { data: r, text: planLines(r, false).join('\n') }
}

export async function restore(
  g: GlobalOptions,
  file: string,
  o: { dryRun?: boolean; prune?: boolean; local?: boolean; identity?: string },
): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const r = await restoreEnv(repo, abs(g, file), {
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(o.prune ? { prune: true } : {}),
    ...(o.local ? { local: true } : {}),
    ...(o.identity ? { identityFile: abs(g, o.identity) } : {}),
    ...(g.wait === undefined ? {} : { wait: g.wait }),
  })
  const lines = planLines(r.plan, r.prune)
  if (r.dryRun) lines.push('nothing changed (dry run)')
  else {
    lines.push(`written: ${r.written.length}, removed: ${r.removed.length}`)
    if (r.notPruned.length > 0) {
      lines.push(
        'kept (write-only on the platform, so a removal could not be undone):',
        ...r.notPruned.map((s) => `  - ${slotText(s)}`),
      )
    }
    if (r.beforeFile) lines.push(`what was there before is kept encrypted in ${r.beforeFile}`)
    lines.push(`undo with: cpo undo ${r.opId}`)
  }
  return { data: r, text: lines.join('\n') }
}

function planLines(p: EnvPlanView, prune: boolean): string[] {
  const head =
    p.scope === 'platform'
      ? `${p.platform} ${p.where} against ${p.file}`
      : `local .env files against ${p.file}`
  const out = [head]
  const show = (title: string, items: string[]) => {
    if (items.length > 0) out.push(`${title}:`, ...items.map((i) => `  ${i}`))
  }
  const names = (s: Slot[]) => s.map(slotText)
  if (p.scope === 'platform') {
    show('+ added', names(p.diff.added))
    show('~ changed', names(p.diff.changed))
    show(
      prune ? '- removed (--prune)' : '? only on the platform (kept; --prune removes)',
      names(p.diff.extra),
    )
    show('! not recoverable (no value in the backup): left alone', names(p.diff.notRecoverable))
    show(
      '! write-only on the platform (current value unreadable): left alone',
      names(p.diff.writeOnly),
    )
    show('  present (values not compared: no key, or a redacted backup)', names(p.diff.notCompared))
    out.push(`unchanged: ${p.diff.unchanged.length}`)
  } else {
    show('+ added', p.diff.added)
    show('~ changed', p.diff.changed)
    show(prune ? '- removed (--prune)' : '? only here (kept; --prune removes)', p.diff.extra)
    out.push(`unchanged: ${p.diff.unchanged.length}`)
  }
  if (!p.valuesCompared)
    out.push('values were not compared (a redacted backup, or no key in the environment)')
  return out
}
