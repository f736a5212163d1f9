// The PostgreSQL ceiling of `--db postgres`: pgbench's write transactions per
// second (`pgbench -N`, the TPC-B-like script without the two hot-row updates:
// three UPDATE/INSERT statements and a SELECT in one transaction) on the same
// server, in a scratch database of its own, measured in the same run.

import { spawnSync } from 'node:child_process'
import { createBenchDatabase, dropBenchDatabase } from './postgres.js'

export interface PgbenchRun {
  /** Transactions per second, without the initial connection time. */
  readonly tps: number
  readonly clients: number
  readonly seconds: number
  /** The command, with the database's URL left out. */
  readonly command: string
}

export const PGBENCH_CLIENTS = 10

/** pgbench's rate, or why it could not be measured. */
export async function measurePgbench(seconds: number): Promise<PgbenchRun | { unavailable: string }> {
  if (spawnSync('pgbench', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return { unavailable: 'pgbench is not installed on this machine' }
  }
  const { database, url } = await createBenchDatabase()
  try {
    const init = spawnSync('pgbench', ['-i', '-q', '-s', '10', url], { encoding: 'utf8' })
    if (init.status !== 0) return { unavailable: `pgbench -i failed: ${init.stderr.trim().split('\n').pop()}` }
    const args = ['-N', '-c', String(PGBENCH_CLIENTS), '-j', '2', '-T', String(Math.max(1, Math.round(seconds)))]
    const run = spawnSync('pgbench', [...args, url], { encoding: 'utf8' })
    const tps = /tps = ([\d.]+)/.exec(run.stdout)?.[1]
    if (run.status !== 0 || tps === undefined) {
      return { unavailable: `pgbench failed: ${(run.stderr || run.stdout).trim().split('\n').pop()}` }
    }
    return { tps: Number(tps), clients: PGBENCH_CLIENTS, seconds, command: `pgbench ${args.join(' ')}` }
  } finally {
    await dropBenchDatabase(database)
  }
}
