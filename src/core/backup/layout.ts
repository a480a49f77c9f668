/**
 * Where each part of a project sits inside a backup archive. The names are part of the format:
 * a restore on another machine (or a later cpo) finds things by them.
 */
export const BUNDLE_ENTRY = 'repo.bundle'
/** State files keep their project-relative path under this prefix. */
export const FILES_PREFIX = 'files/'
export const ENV_ENTRY = 'env/template'
/**
 * The operation journal (`.git/cpo/oplog.jsonl`), so `cpo log` and `cpo undo` work in a restored
 * copy; the snapshots it names are refs under `refs/cpo/`, which the bundle carries.
 */
export const JOURNAL_ENTRY = 'cpo/oplog.jsonl'
/** Reserved for the database dump (a later issue); always present and empty for now. */
export const DB_DIR = 'db/'
/** The manifest travels inside the archive too (last entry), so an archive alone is checkable. */
export const MANIFEST_ENTRY = 'manifest.json'

/** Project files a backup carries besides the repository (`.checkpoints/` is walked). */
export const STATE_FILES = ['master-project.json', 'cpo-progress.md'] as const
export const CHECKPOINTS_DIR = '.checkpoints'

export const archiveName = (compression: string): string =>
  compression === 'zstd'
    ? 'archive.tar.zst'
    : compression === 'gzip'
      ? 'archive.tar.gz'
      : 'archive.tar'
