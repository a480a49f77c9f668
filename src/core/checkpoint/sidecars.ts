/** The directory checkpoint sidecars live in; never committed (ignored via .git/info/exclude). */
export const CHECKPOINTS_DIR = '.checkpoints'
/** The line `.git/info/exclude` needs: anchored, directory only. */
export const CHECKPOINTS_EXCLUDE = `/${CHECKPOINTS_DIR}/`

/** Sidecar file names people already use, relative to `.checkpoints/`. */
export const sidecarNames = {
  stateBefore: (stageNo: string) => `master-project-before-stage-${stageNo}.json`,
  stateAfter: (stageNo: string) => `master-project-after-stage-${stageNo}.json`,
  env: (stageNo: string) => `env-backup-stage-${stageNo}.env`,
  gitRef: (stageNo: string) => `git-ref-stage-${stageNo}.txt`,
  gitStatus: (stageNo: string) => `git-status-stage-${stageNo}.txt`,
  statePhase: (phase: number) => `master-project-after-phase-${phase}.json`,
  gitRefPhase: (phase: number) => `git-ref-phase-${phase}.txt`,
}

/** Every sidecar that may belong to a stage, for `checkpoint show`. */
export const stageSidecars = (stageNo: string): string[] => [
  sidecarNames.stateBefore(stageNo),
  sidecarNames.stateAfter(stageNo),
  sidecarNames.env(stageNo),
  sidecarNames.gitRef(stageNo),
  sidecarNames.gitStatus(stageNo),
]

/** `text` plus the exclude line when it is missing (undefined when nothing needs adding). */
export function withExcludeLine(text: string, line = CHECKPOINTS_EXCLUDE): string | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim())
  const alsoMatching = [line, line.slice(1), line.slice(0, -1), line.slice(1, -1)]
  if (lines.some((l) => alsoMatching.includes(l))) return undefined
  const sep = text === '' || text.endsWith('\n') ? '' : '\n'
  return `${text}${sep}${line}\n`
}
