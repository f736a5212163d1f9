// The PostgreSQL ceiling of `--db postgres`: pgbench's write transactions per
// second (`pgbench -N`, the TPC-B-like script without the two hot-row updates:
// three UPDATE/INSERT statements and a SELECT in one transaction) on the same
// server, in a scratch database of its own, measured in the same run.

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { percentile } from './load.js'
import { createBenchDatabase, dropBenchDatabase } from './postgres.js'

/** pgbench -N at a fixed rate: the latency of PostgreSQL's own commits at the open loop's rates, ms. */
export interface PgbenchAtRate {
  readonly rate: number
  readonly transactions: number
  readonly p50: number
  readonly p99: number
  readonly p999: number
  readonly max: number
}

export interface PgbenchRun {
  /** Transactions per second, without the initial connection time. */
  readonly tps: number
  readonly clients: number
  readonly seconds: number
  /** The command, with the database's URL left out. */
  readonly command: string
  /** The same transactions sent at fixed rates (`-R`), each for `rateSeconds`: PostgreSQL's floor for the open loop. */
  readonly atRates: readonly PgbenchAtRate[]
  readonly rateSeconds: number
}

export const PGBENCH_CLIENTS = 10

/**
 * pgbench's rate, or why it could not be measured; then, in the same scratch database, pgbench at each of `rates`
 * for `rateSeconds` with every transaction's latency logged (`--log`), as the open loop measures Tessera's.
 */
export async function measurePgbench(
  seconds: number,
  rates: readonly number[] = [],
  rateSeconds = seconds,
): Promise<PgbenchRun | { unavailable: string }> {
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
    const atRates = [...new Set(rates)].flatMap((rate) => {
      const measured = pgbenchAtRate(url, rate, rateSeconds)
      return measured ? [measured] : []
    })
    return {
      tps: Number(tps),
      clients: PGBENCH_CLIENTS,
      seconds,
      command: `pgbench ${args.join(' ')}`,
      atRates,
      rateSeconds,
    }
  } finally {
    await dropBenchDatabase(database)
  }
}

/** One fixed-rate run; undefined if pgbench failed or logged nothing. */
function pgbenchAtRate(url: string, rate: number, seconds: number): PgbenchAtRate | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-pgbench-'))
  try {
    const args = [
      '-N',
      '-c',
      String(PGBENCH_CLIENTS),
      '-j',
      '2',
      '-R',
      String(rate),
      '-T',
      String(Math.max(1, Math.round(seconds))),
    ]
    const run = spawnSync('pgbench', [...args, '--log', `--log-prefix=${join(dir, 'tx')}`, url], { encoding: 'utf8' })
    if (run.status !== 0) return undefined
    // Each line: client, transaction, its latency in µs, script, epoch seconds, µs (pgbench's per-transaction log).
    const latencies: number[] = []
    for (const name of readdirSync(dir)) {
      for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
        const us = Number(line.split(' ')[2])
        if (line !== '' && Number.isFinite(us)) latencies.push(us / 1000)
      }
    }
    if (latencies.length === 0) return undefined
    const sorted = Float64Array.from(latencies).sort()
    return {
      rate,
      transactions: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      p999: percentile(sorted, 99.9),
      max: sorted[sorted.length - 1] ?? 0,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
