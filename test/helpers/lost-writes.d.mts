/** Types for lost-writes.mjs (plain JavaScript so bench/torture.mjs can share it). */

export interface WriterEntry {
  seq: number
  kind: 'write' | 'delete'
  path: string
  t0: number
  t1: number
  prior: string
  content?: Buffer
}

/** One cpo process: hrtime milliseconds around it, and the snapshot refs it added. */
export interface RunWindow {
  label: string
  start: number
  end: number
  snapshots: number
}

export interface OwedWrite {
  seq: number
  path: string
  content: Buffer
  reasons: string[]
}

export function prng(seed: number): () => number
export function blobId(bytes: Buffer, format?: string): string
export function readWriterLog(file: string): WriterEntry[]
export function owedWrites(
  entries: WriterEntry[],
  windows: RunWindow[],
  ignored?: Set<string>,
): OwedWrite[]
export function workTreeBlobs(root: string, format?: string): Set<string>
export function snapshotBlobs(root: string): { ids: Set<string>; problems: string[] }
export function lostWrites(
  root: string,
  entries: WriterEntry[],
  windows: RunWindow[],
  ignored?: Set<string>,
): { owed: OwedWrite[]; lost: OwedWrite[]; problems: string[] }
export function describeLost(
  lost: OwedWrite[],
  entries?: WriterEntry[],
  windows?: RunWindow[],
): string[]
