// CPU time for the database benches, where the machine is shared and wall time is mostly waiting
// for a core. Two counters, both from /proc (clock ticks, Linux only):
// - this process and every child it has waited for (utime + stime + cutime + cstime of
//   /proc/self/stat): the bench's own work, the cpo CLI it spawns, pg_dump, sqlite3…;
// - a PostgreSQL server's process tree (the postmaster with the children it reaped, plus the
//   children still running): the backends that really copy, restore and checkpoint.
import fs from 'node:fs'

const TICK_MS = 10 // CLK_TCK is 100 on Linux

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces). */
function statFields(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

// Indexes in the fields after the name: ppid 1, utime 11, stime 12, cutime 13, cstime 14.
const own = (f) => Number(f[11]) + Number(f[12])
const reaped = (f) => Number(f[13]) + Number(f[14])

/** CPU of this process and its waited-for children, in ms. */
export function selfCpuMs() {
  const f = statFields('self')
  return (own(f) + reaped(f)) * TICK_MS
}

/** CPU of the server whose postmaster.pid is in `dataDir`, in ms (0 when it is not running). */
export function serverCpuMs(dataDir) {
  let pm
  try {
    pm = fs.readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0].trim()
  } catch {
    return 0
  }
  const f = statFields(pm)
  if (!f) return 0
  let ticks = own(f) + reaped(f)
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const c = statFields(entry)
    if (c && c[1] === pm) ticks += own(c)
  }
  return ticks * TICK_MS
}

/** Times `fn`: wall ms and CPU ms (this process tree, plus the server's when dataDir is given). */
export async function measure(fn, dataDir) {
  const cpu0 = selfCpuMs() + (dataDir ? serverCpuMs(dataDir) : 0)
  const t = process.hrtime.bigint()
  await fn()
  const wall = Number(process.hrtime.bigint() - t) / 1e6
  const cpu = selfCpuMs() + (dataDir ? serverCpuMs(dataDir) : 0) - cpu0
  return { wall, cpu }
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
