// Who used the two cores during a timed run: the server process, the load
// generator (this process), and everything else on the machine. Linux /proc
// only; elsewhere every figure is undefined.

import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { LOAD_CORE, SERVER_CORE } from './processes.js'

const TICKS_PER_SECOND = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
  const value = Number(out.stdout?.trim())
  return Number.isFinite(value) && value > 0 ? value : 100
})()

interface Snapshot {
  readonly at: bigint
  readonly cores: ReadonlyMap<number, number> | undefined
  readonly server: number | undefined
  readonly self: number
}

/** Busy seconds of each core since boot. */
function coreBusy(): Map<number, number> | undefined {
  try {
    const busy = new Map<number, number>()
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const match = /^cpu(\d+)\s+(.*)$/.exec(line)
      if (!match?.[1] || match[2] === undefined) continue
      const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = match[2].split(/\s+/).map(Number)
      busy.set(Number(match[1]), (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND)
    }
    return busy
  } catch {
    return undefined
  }
}

/** CPU seconds (user + system) a process used so far. */
function processSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

function snapshot(serverPid: number | undefined): Snapshot {
  const usage = process.cpuUsage()
  return {
    at: process.hrtime.bigint(),
    cores: coreBusy(),
    server: serverPid === undefined ? undefined : processSeconds(serverPid),
    self: (usage.user + usage.system) / 1e6,
  }
}

/** Shares of wall time, 0–1 (a share may pass 1 for a process with threads on both cores). */
export interface CpuShare {
  /** The server process (all its threads). */
  readonly server: number | undefined
  /** The load generator (this process). */
  readonly loader: number
  /** Other processes on the server core: what the server core did that the server did not. */
  readonly othersOnServerCore: number | undefined
  /** Other processes on the load core. */
  readonly othersOnLoadCore: number | undefined
}

export function startCpuShare(serverPid: number | undefined): () => CpuShare {
  const before = snapshot(serverPid)
  return () => {
    const after = snapshot(serverPid)
    const seconds = Number(after.at - before.at) / 1e9
    const delta = (core: number) => {
      const a = after.cores?.get(core)
      const b = before.cores?.get(core)
      return a === undefined || b === undefined ? undefined : a - b
    }
    const server = after.server === undefined || before.server === undefined ? undefined : after.server - before.server
    const self = after.self - before.self
    const core0 = delta(SERVER_CORE)
    const core1 = delta(LOAD_CORE)
    const clamp = (value: number) => Math.max(0, value) / seconds
    return {
      server: server === undefined ? undefined : server / seconds,
      loader: self / seconds,
      othersOnServerCore: core0 === undefined || server === undefined ? undefined : clamp(core0 - server),
      othersOnLoadCore: core1 === undefined ? undefined : clamp(core1 - self),
    }
  }
}
