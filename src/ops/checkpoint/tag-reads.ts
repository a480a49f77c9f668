import { readCheckpointTags } from '../../adapters/checkpoint-git.js'
import { git } from '../../adapters/git.js'
import type { Repo } from '../../adapters/repo.js'
import type { TagRecord } from '../../core/checkpoint/collect.js'
import { CHECKPOINT_TAG_PREFIX } from '../../core/checkpoint/names.js'

/*
 * The checkpoint tags a rollback's plan read, handed to its after-list in the same process
 * (ARCHITECTURE.md §28): the after-list asks git only which object each checkpoint tag names
 * (`for-each-ref` of names and ids: no tag object is read) and takes the plan's records when
 * that is the same list. A record is the ref, the commit it peels to, the creator date and the
 * message — all read from the object the ref names, and objects never change — so the same
 * names on the same objects are the same records, byte for byte. Any difference (a tag made,
 * moved or deleted since) reads them all again.
 */

const FIELDS = 5
const TAG_FORMAT =
  '--format=%(refname)%00%(*objectname)%(if)%(*objectname)%(then)%(else)%(objectname)%(end)%00%(creatordate:iso-strict)%00%(contents)%00%(objectname)%00'
const ID_FORMAT = '--format=%(refname)%00%(objectname)'

interface Remembered {
  root: string
  /** The list as `ID_FORMAT` prints it. */
  ids: string
  records: readonly TagRecord[]
}

let remembered: Remembered | undefined

/** Every checkpoint tag, as `readCheckpointTags` reads them, remembered for `tagsAgain`. */
export async function readCheckpointTagsRemembered(repo: Repo): Promise<TagRecord[]> {
  const { stdout } = await git(repo.root, ['for-each-ref', TAG_FORMAT, CHECKPOINT_TAG_PREFIX])
  // As in readCheckpointTags: NUL-separated fields, a newline ends each record and is stripped
  // from the next record's first field (a ref name cannot start with one).
  const fields = stdout.split('\0')
  const records: TagRecord[] = []
  let ids = ''
  for (let i = 0; i + FIELDS <= fields.length - 1; i += FIELDS) {
    const ref = (fields[i] as string).replace(/^\n/, '')
    records.push({
      ref,
      commit: fields[i + 1] as string,
      date: fields[i + 2] as string,
      contents: fields[i + 3] as string,
    })
    ids += `${ref}\0${fields[i + 4] as string}\n`
  }
  remembered = { root: repo.root, ids, records }
  return records.map((r) => ({ ...r }))
}

/** Every checkpoint tag now: the remembered records when the tags still name the same objects. */
export async function tagsAgain(repo: Repo): Promise<TagRecord[]> {
  const last = remembered
  if (last === undefined || last.root !== repo.root) return readCheckpointTags(repo)
  const { stdout } = await git(repo.root, ['for-each-ref', ID_FORMAT, CHECKPOINT_TAG_PREFIX])
  if (stdout !== last.ids) return readCheckpointTags(repo)
  return last.records.map((r) => ({ ...r }))
}

/** For tests: forget what was read. */
export function forgetTagReads(): void {
  remembered = undefined
}
