import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { JournalEvent } from '../core/journal.js'
import { appendDurable } from './fs.js'

export function journalPath(cpoDir: string): string {
  return path.join(cpoDir, 'oplog.jsonl')
}

export interface JournalRead {
  events: JournalEvent[]
  /** Lines that do not parse; a crash while appending can leave a torn last line. */
  damagedLines: number[]
}

export async function readJournal(cpoDir: string): Promise<JournalRead> {
  let text: string
  try {
    text = await fsp.readFile(journalPath(cpoDir), 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], damagedLines: [] }
    throw e
  }
  const events: JournalEvent[] = []
  const damagedLines: number[] = []
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return
    try {
      events.push(JSON.parse(line) as JournalEvent)
    } catch {
      damagedLines.push(i + 1)
    }
  })
  return { events, damagedLines }
}

export async function appendJournal(cpoDir: string, event: JournalEvent): Promise<void> {
  // A torn line from an earlier crash must not swallow this entry: start on a fresh line.
  const prefix = (await endsWithoutNewline(journalPath(cpoDir))) ? '\n' : ''
  await appendDurable(journalPath(cpoDir), `${prefix}${JSON.stringify(event)}\n`)
}

async function endsWithoutNewline(file: string): Promise<boolean> {
  let handle: fsp.FileHandle | undefined
  try {
    handle = await fsp.open(file, 'r')
    const { size } = await handle.stat()
    if (size === 0) return false
    const buf = Buffer.alloc(1)
    await handle.read(buf, 0, 1, size - 1)
    return buf[0] !== 0x0a
  } catch {
    return false
  } finally {
    await handle?.close()
  }
}
