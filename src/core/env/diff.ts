import { type SecretVar, type Slot, slotId, slotOf } from './types.js'

/** A variable as the platform has it now (the value null when the platform hides it). */
export interface LiveVar extends Slot {
  value: string | null
}

/**
 * What a restore of `wanted` onto `live` would do, by slot (README.md, "Env vars"). Nothing here
 * carries a value: these lists are printed, put in `--json` and the journal.
 */
export interface EnvDiff {
  /** In the backup, not on the platform: created. */
  added: Slot[]
  /** On both, with another value: written. */
  changed: Slot[]
  unchanged: Slot[]
  /** On the platform only: removed with --prune, else left. */
  extra: Slot[]
  /** In the backup without a value (write-only on the platform then): left alone. */
  notRecoverable: Slot[]
  /** The platform does not give the current value back: left alone (an undo could not restore it). */
  writeOnly: Slot[]
  /** The backup has no values (not encrypted): present on both, values not compared. */
  notCompared: Slot[]
}

export function diffEnv(wanted: SecretVar[], live: LiveVar[], valuesKnown: boolean): EnvDiff {
  const now = new Map(live.map((v) => [slotId(v), v]))
  const seen = new Set<string>()
  const d: EnvDiff = {
    added: [],
    changed: [],
    unchanged: [],
    extra: [],
    notRecoverable: [],
    writeOnly: [],
    notCompared: [],
  }
  for (const w of wanted) {
    const id = slotId(w)
    seen.add(id)
    const l = now.get(id)
    const slot = slotOf(w)
    if (valuesKnown && w.value === null) d.notRecoverable.push(slot)
    else if (!l) d.added.push(slot)
    else if (!valuesKnown) d.notCompared.push(slot)
    else if (l.value === null) d.writeOnly.push(slot)
    else if (l.value === w.value) d.unchanged.push(slot)
    else d.changed.push(slot)
  }
  for (const l of live) if (!seen.has(slotId(l))) d.extra.push(slotOf(l))
  return d
}

export const changesNothing = (d: EnvDiff, prune: boolean): boolean =>
  d.added.length === 0 && d.changed.length === 0 && (!prune || d.extra.length === 0)
