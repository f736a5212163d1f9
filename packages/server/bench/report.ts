// The figures of one run, as a terminal table and as docs/benchmarks.md.

import type { CheckpointStalls, CommitTimes } from './checkpoint-stalls.js'
import type { CpuShare } from './cpu-share.js'
import type { HeapSummary } from './heap-summary.js'
import type { MicroCosts } from './micro.js'
import type { OpenLoopOutcome, OpenLoopRun } from './open-loop-scenarios.js'
import type { BenchOptions } from './options.js'
import type { PeerRun } from './peer-run.js'
import type { PgbenchRun } from './pgbench.js'
import type { LoopDelay } from './processes.js'
import type { ScenarioOutcome } from './tessera.js'

export interface BenchReport {
  readonly options: BenchOptions
  readonly date: Date
  readonly cpuModel: string
  readonly cores: number
  readonly node: string
  readonly pinned: boolean
  readonly loadBefore: readonly number[]
  readonly loadAfter: readonly number[]
  readonly tessera: readonly ScenarioOutcome[]
  /** The open-loop latency runs, each with bare Fastify at the same rate. */
  readonly openLoop: readonly OpenLoopOutcome[]
  readonly ceiling: ScenarioOutcome
  readonly micro: MicroCosts
  readonly checkpointStalls: CheckpointStalls
  /** With --db postgres: pgbench's rate on the same server, or why it was not measured. */
  readonly pgbench: PgbenchRun | { readonly unavailable: string } | undefined
  readonly rssBytes: number | undefined
  /** The same, QUIET_WAIT_MS later with no request in between (not measured in smoke runs). */
  readonly rssQuietBytes?: number | undefined
  /** Where that RSS is, as the server itself sees it (process.memoryUsage, V8's heap spaces). */
  readonly memory?: LoopDelay['memory']
  /** With --heap-snapshot: the server's heap after the runs. */
  readonly heap: HeapSummary | undefined
  readonly coldStartsMs: readonly number[]
  readonly peer: PeerRun | undefined
  readonly peerUnavailable: string | undefined
}

/** The unavoidable work of each scenario, in units of the measured micro-costs. */
export const UNAVOIDABLE: Readonly<Record<string, { label: string; seconds: (m: MicroCosts) => number }>> = {
  // Since #6 every send records its delivery attempt: a second row, as unavoidable as the first.
  start: {
    label: 'HMAC + INSERT ×2 (verification, delivery attempt)',
    seconds: (m) => m.hmacSha256 + 2 * m.sqliteInsert,
  },
  'verify-ok': {
    label: 'HMAC + UPDATE + Ed25519 sign + INSERT (token row)',
    seconds: (m) => m.hmacSha256 + m.sqliteUpdate + m.ed25519Sign + m.sqliteInsert,
  },
  'verify-bad': { label: 'HMAC + UPDATE', seconds: (m) => m.hmacSha256 + m.sqliteUpdate },
  'token-verify': { label: 'HMAC + SELECT by key', seconds: (m) => m.hmacSha256 + m.sqliteSelect },
  'totp-check': {
    label: 'HMAC ×3 + UPDATE + Ed25519 sign + INSERT',
    seconds: (m) => 3 * m.hmacSha256 + m.sqliteUpdate + m.ed25519Sign + m.sqliteInsert,
  },
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/**
 * How long the bench waits, with no request, before reading the server's RSS a second time: long enough for the
 * idle collector's second collection (src/cli/idle-collector.ts), which comes eleven quiet seconds after a load
 * when V8 kept the young generation in the first.
 */
export const QUIET_WAIT_MS = 15_000

const us = (seconds: number) => (seconds * 1e6).toFixed(1)
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–')
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–')
const pct = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : `${(n * 100).toFixed(0)}%`)
const times = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(2)}×`)

export function fastifyCost(report: BenchReport): number {
  const rps = report.ceiling.result?.rps
  return rps ? 1 / rps : Number.NaN
}

export function idealRps(report: BenchReport, scenario: string): number | undefined {
  const work = UNAVOIDABLE[scenario]
  if (!work) return undefined
  return 1 / (fastifyCost(report) + work.seconds(report.micro))
}

function peerOutcome(report: BenchReport, name: string): ScenarioOutcome | undefined {
  return report.peer?.outcomes.find((o) => o.name === name)
}

type Row = readonly string[]

export function mainTable(report: BenchReport): { head: Row; rows: Row[] } {
  const ceiling = report.ceiling.result?.rps
  const head = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', '× ceiling', '% of ideal', 'Tessera / better-auth']
  const rows: Row[] = []
  for (const outcome of report.tessera) {
    const r = outcome.result
    if (!r) {
      rows.push([outcome.name, `skipped: ${outcome.skipped ?? 'not run'}`, '', '', '', '', '', ''])
      continue
    }
    const ideal = idealRps(report, outcome.name)
    const peer = peerOutcome(report, outcome.name)?.result
    rows.push([
      outcome.name,
      int(r.rps),
      ms(r.p50),
      ms(r.p99),
      String(r.errors),
      times(ceiling ? r.rps / ceiling : undefined),
      pct(ideal ? r.rps / ideal : undefined),
      peer ? times(r.rps / peer.rps) : report.peer ? '' : '–',
    ])
  }
  const c = report.ceiling.result
  if (c) rows.push(['bare Fastify (ceiling)', int(c.rps), ms(c.p50), ms(c.p99), String(c.errors), '1.00×', '', ''])
  for (const outcome of report.peer?.outcomes ?? []) {
    const r = outcome.result
    if (!r) continue
    rows.push([
      `better-auth ${outcome.name}`,
      int(r.rps),
      ms(r.p50),
      ms(r.p99),
      String(r.errors),
      times(ceiling ? r.rps / ceiling : undefined),
      '',
      '',
    ])
  }
  return { head, rows }
}

/** Server CPU seconds per request: the server's share of its core over the timed run, per request. */
function serverCpuPerRequest(outcome: ScenarioOutcome | undefined): number | undefined {
  const share = outcome?.cpu?.server
  const rps = outcome?.result?.rps
  return share === undefined || !rps ? undefined : share / rps
}

/**
 * The same comparisons in server CPU per request instead of wall-clock req/s: on a shared machine,
 * time other processes take from the server's core lowers req/s but not this.
 */
export function cpuCostTable(report: BenchReport): { head: Row; rows: Row[] } {
  const head = [
    'scenario',
    'server CPU µs/req',
    'ideal µs/req (CPU)',
    '% of ideal (CPU)',
    '× ceiling (CPU)',
    'Tessera / better-auth (CPU)',
  ]
  const fastify = serverCpuPerRequest(report.ceiling)
  const rows: Row[] = []
  for (const outcome of report.tessera) {
    const cost = serverCpuPerRequest(outcome)
    if (cost === undefined) continue
    const work = UNAVOIDABLE[outcome.name]
    const ideal = work && fastify !== undefined ? fastify + work.seconds(report.micro) : undefined
    const peer = serverCpuPerRequest(peerOutcome(report, outcome.name))
    rows.push([
      outcome.name,
      us(cost),
      ideal === undefined ? '–' : us(ideal),
      pct(ideal === undefined ? undefined : ideal / cost),
      times(fastify === undefined ? undefined : fastify / cost),
      peer === undefined ? (report.peer ? '' : '–') : times(peer / cost),
    ])
  }
  if (fastify !== undefined) rows.push(['bare Fastify (ceiling)', us(fastify), '', '', '1.00×', ''])
  for (const outcome of report.peer?.outcomes ?? []) {
    const cost = serverCpuPerRequest(outcome)
    if (cost !== undefined) rows.push([`better-auth ${outcome.name}`, us(cost), '', '', '', ''])
  }
  return { head, rows }
}

export function idealTable(report: BenchReport): { head: Row; rows: Row[] } {
  const head = [
    'scenario',
    'unavoidable work',
    'work µs',
    'ideal µs/req (+ Fastify)',
    'ideal req/s',
    'measured µs/req',
    'beyond ideal µs',
  ]
  const rows: Row[] = []
  const fastify = fastifyCost(report)
  for (const outcome of report.tessera) {
    const work = UNAVOIDABLE[outcome.name]
    if (!work) continue
    const seconds = work.seconds(report.micro)
    const measured = outcome.result ? 1 / outcome.result.rps : Number.NaN
    rows.push([
      outcome.name,
      work.label,
      us(seconds),
      us(fastify + seconds),
      int(1 / (fastify + seconds)),
      outcome.result ? us(measured) : '–',
      outcome.result ? us(measured - fastify - seconds) : '–',
    ])
  }
  return { head, rows }
}

export function microRows(report: BenchReport): Row[] {
  const m = report.micro
  return [
    ['Ed25519 signature (node:crypto sign)', us(m.ed25519Sign)],
    ['HMAC-SHA256', us(m.hmacSha256)],
    ['SQLite INSERT (WAL, synchronous=NORMAL, prepared)', us(m.sqliteInsert)],
    ['SQLite conditional UPDATE by primary key', us(m.sqliteUpdate)],
    ['SQLite SELECT by primary key', us(m.sqliteSelect)],
    ['bare Fastify request (1 / its req/s)', us(fastifyCost(report))],
  ]
}

interface Target {
  readonly what: string
  readonly goal: string
  readonly measured: string
  readonly met: boolean | undefined
}

export function targets(report: BenchReport): Target[] {
  const out: Target[] = [...latencyTargets(report)]
  const pgbench = report.pgbench && 'tps' in report.pgbench ? report.pgbench : undefined
  if (pgbench && report.options.instances >= 3) {
    for (const name of ['start', 'verify-ok']) {
      const r = report.tessera.find((o) => o.name === name)?.result
      if (!r) continue
      out.push({
        what: `${name}, ${report.options.instances} instances, of pgbench's rate`,
        goal: '≥ 50%',
        measured: pct(r.rps / pgbench.tps),
        met: r.rps / pgbench.tps >= 0.5,
      })
    }
  }
  const find = (name: string) => report.tessera.find((o) => o.name === name)?.result
  for (const name of ['start', 'verify-ok']) {
    const r = find(name)
    const ideal = idealRps(report, name)
    if (r && ideal) {
      out.push({ what: `${name} % of ideal`, goal: '≥ 80%', measured: pct(r.rps / ideal), met: r.rps / ideal >= 0.8 })
    }
  }
  const token = find('token-verify')
  const ceiling = report.ceiling.result?.rps
  if (token && ceiling) {
    out.push({
      what: 'token-verify × ceiling',
      goal: '≥ 0.70×',
      measured: times(token.rps / ceiling),
      met: token.rps / ceiling >= 0.7,
    })
  }
  for (const name of ['start', 'verify-ok']) {
    const r = find(name)
    const peer = peerOutcome(report, name)?.result
    if (r && peer) {
      out.push({
        what: `${name} Tessera / better-auth`,
        goal: '≥ 15×',
        measured: times(r.rps / peer.rps),
        met: r.rps / peer.rps >= 15,
      })
    }
  }
  for (const outcome of report.tessera) {
    if (!outcome.result) continue
    out.push({
      what: `${outcome.name} p99`,
      goal: '≤ 15 ms',
      measured: `${ms(outcome.result.p99)} ms`,
      met: outcome.result.p99 <= 15,
    })
  }
  if (report.rssBytes !== undefined) {
    const mb = report.rssBytes / 1024 / 1024
    out.push({ what: 'RSS after the bench', goal: '≤ 200 MB', measured: `${mb.toFixed(0)} MB`, met: mb <= 200 })
  }
  if (report.rssQuietBytes !== undefined) {
    const mb = report.rssQuietBytes / 1024 / 1024
    out.push({
      what: `RSS ${QUIET_WAIT_MS / 1000} s after the bench, quiet`,
      goal: '≤ 200 MB',
      measured: `${mb.toFixed(0)} MB`,
      met: mb <= 200,
    })
  }
  if (report.coldStartsMs.length > 0) {
    const cold = median(report.coldStartsMs)
    out.push({ what: 'cold start', goal: '≤ 1.5 s', measured: `${(cold / 1000).toFixed(2)} s`, met: cold <= 1500 })
  }
  return out
}

/** The open-loop runs: Tessera's latency percentiles and event-loop delay, bare Fastify's beside them. */
export function openLoopTable(report: BenchReport): { head: Row; rows: Row[] } {
  const head = [
    'scenario',
    'offered req/s',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'p99.9 ms',
    'max ms',
    'errors',
    'loop delay p99 / max ms',
    'bare Fastify p99 / max ms',
    'its loop delay p99 / max ms',
  ]
  const pair = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? '–' : `${ms(a)} / ${ms(b)}`
  const loop = (run: OpenLoopRun | undefined) => pair(run?.loopDelay?.p99, run?.loopDelay?.max)
  const rows = report.openLoop.map((o): Row => {
    const r = o.tessera.result
    return [
      o.scenario,
      `${int(r.rate)} (${pct(o.fraction)})`,
      ms(r.p50),
      ms(r.p90),
      ms(r.p99),
      ms(r.p999),
      ms(r.max),
      String(r.errors),
      loop(o.tessera),
      pair(o.floor?.result.p99, o.floor?.result.max),
      loop(o.floor),
    ]
  })
  return { head, rows }
}

/** What the garbage collector paused the server for during each open-loop run of Tessera. */
export function gcPauseTable(report: BenchReport): { head: Row; rows: Row[] } {
  const head = [
    'scenario',
    'offered req/s',
    'scavenges: n / longest / total ms',
    'mark-compacts: n / longest / total ms',
    'incremental marking: n / longest / total ms',
    'loop delay max ms',
  ]
  const tally = (t: readonly [number, number, number] | undefined) =>
    t === undefined ? '–' : `${t[0]} / ${ms(t[2])} / ${ms(t[1])}`
  const rows = report.openLoop
    .filter((o) => o.tessera.loopDelay?.gc !== undefined)
    .map((o): Row => {
      const loop = o.tessera.loopDelay
      return [
        o.scenario,
        `${int(o.tessera.result.rate)} (${pct(o.fraction)})`,
        tally(loop?.gc?.scavenge),
        tally(loop?.gc?.major),
        tally(loop?.gc?.incremental),
        loop ? ms(loop.max) : '–',
      ]
    })
  return { head, rows }
}

/**
 * ` (start at fractions of 4,000 req/s, …, given by --open-capacity)` when the command line gave capacities, else
 * nothing.
 */
function givenCapacities(options: BenchOptions): string {
  const given = Object.entries(options.openCapacity).map(
    ([scenario, rps]) => `${scenario} at fractions of ${int(rps)} req/s`,
  )
  return given.length === 0 ? '' : ` (in this run: ${given.join(', ')}, given by \`--open-capacity\`)`
}

/** Issue 21's latency targets, at half of the capacity measured (or given by --open-capacity). */
export function latencyTargets(report: BenchReport): Target[] {
  const out: Target[] = []
  for (const o of report.openLoop) {
    if (o.fraction !== 0.5 || (o.scenario !== 'start' && o.scenario !== 'verify-ok')) continue
    const r = o.tessera.result
    const at = `at 50%${o.scenario in report.options.openCapacity ? ' of the given capacity' : ''}`
    out.push({ what: `${o.scenario} p99 ${at}`, goal: '≤ 5 ms', measured: `${ms(r.p99)} ms`, met: r.p99 <= 5 })
    out.push({ what: `${o.scenario} max ${at}`, goal: '≤ 25 ms', measured: `${ms(r.max)} ms`, met: r.max <= 25 })
    const loop = o.tessera.loopDelay
    if (loop) {
      out.push({
        what: `${o.scenario} event-loop delay p99 ${at}`,
        goal: '≤ 2 ms',
        measured: `${ms(loop.p99)} ms`,
        met: loop.p99 <= 2,
      })
    }
  }
  return out
}

export function checkpointTable(report: BenchReport): { head: Row; rows: Row[] } {
  const head = ['checkpoints', 'turns', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'turns over 5 ms']
  const row = (name: string, t: CommitTimes): Row => [
    name,
    int(t.commits),
    ms(t.p50),
    ms(t.p99),
    ms(t.p999),
    ms(t.max),
    int(t.over5ms),
  ]
  const c = report.checkpointStalls
  return {
    head,
    rows: [
      row("SQLite's autocheckpoint (in the COMMIT past 1000 pages)", c.autocheckpoint),
      row('checkpoint worker (wal-checkpointer.ts)', c.worker),
    ],
  }
}

/** With --db postgres: each scenario against pgbench's rate, and its queries and transactions per request. */
export function postgresTable(report: BenchReport): { head: Row; rows: Row[] } | undefined {
  if (report.options.db !== 'postgres') return undefined
  const pgbench = report.pgbench && 'tps' in report.pgbench ? report.pgbench : undefined
  const head = [
    'scenario',
    `req/s (${report.options.instances} instance${report.options.instances > 1 ? 's' : ''})`,
    '% of pgbench',
    'queries / request',
    'transactions / request',
    'first instance CPU',
  ]
  const rows = report.tessera.flatMap((o): Row[] => {
    const r = o.result
    if (!r) return []
    return [
      [
        o.name,
        int(r.rps),
        pgbench ? pct(r.rps / pgbench.tps) : '–',
        o.perRequest ? o.perRequest.queries.toFixed(2) : '–',
        o.perRequest ? o.perRequest.transactions.toFixed(2) : '–',
        pct(o.cpu?.server),
      ],
    ]
  })
  if (pgbench) rows.push([`pgbench -N, ${pgbench.clients} clients`, int(pgbench.tps), '100%', '4', '1', ''])
  return { head, rows }
}

/** With --db postgres and the open loop: pgbench -N at the same rates, PostgreSQL's own commits' latency. */
export function pgbenchAtRatesTable(report: BenchReport): { head: Row; rows: Row[] } | undefined {
  const pgbench = report.pgbench && 'tps' in report.pgbench ? report.pgbench : undefined
  if (!pgbench || pgbench.atRates.length === 0) return undefined
  const head = ['open-loop run', 'pgbench -N at', 'transactions', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms']
  const rows = report.openLoop.flatMap((outcome): Row[] => {
    const rate = outcome.tessera.result.rate
    const r = pgbench.atRates.find((measured) => measured.rate === rate)
    if (!r) return []
    return [
      [
        `${outcome.scenario} at ${pct(outcome.fraction)}`,
        `${int(rate)}/s`,
        int(r.transactions),
        ms(r.p50),
        ms(r.p99),
        ms(r.p999),
        ms(r.max),
      ],
    ]
  })
  return { head, rows }
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)

export function heapTables(heap: HeapSummary): {
  retainers: { head: Row; rows: Row[] }
  types: { head: Row; rows: Row[] }
} {
  return {
    retainers: {
      head: ['largest retainer', 'held as', 'retained MB'],
      rows: heap.retainers.map((r) => [r.name, r.heldAs, mb(r.retainedBytes)]),
    },
    types: {
      head: ['constructor (own sizes)', 'objects', 'MB'],
      rows: heap.byConstructor.map((c) => [c.name, int(c.count), mb(c.selfBytes)]),
    },
  }
}

function cpuCells(cpu: CpuShare | undefined): string[] {
  return [pct(cpu?.server), pct(cpu?.othersOnServerCore), pct(cpu?.loader), pct(cpu?.othersOnLoadCore)]
}

export function cpuTable(report: BenchReport): { head: Row; rows: Row[] } {
  const head = ['run', 'server', 'others on server core', 'load generator', 'others on load core']
  const rows: Row[] = []
  for (const o of report.tessera) if (o.result) rows.push([o.name, ...cpuCells(o.cpu)])
  if (report.ceiling.result) rows.push(['bare Fastify', ...cpuCells(report.ceiling.cpu)])
  for (const o of report.peer?.outcomes ?? []) if (o.result) rows.push([`better-auth ${o.name}`, ...cpuCells(o.cpu)])
  return { head, rows }
}

/** One sentence per figure: which resource was saturated, and where the time per request went. */
export function bounds(report: BenchReport): string[] {
  const lines: string[] = []
  const fastify = fastifyCost(report)
  const describeCpu = (cpu: CpuShare | undefined) => {
    if (!cpu || cpu.server === undefined) return 'CPU shares not available'
    const parts = [`server process ${pct(cpu.server)} of its core`, `load generator ${pct(cpu.loader)} of its core`]
    if ((cpu.othersOnServerCore ?? 0) >= 0.05)
      parts.push(`other processes ${pct(cpu.othersOnServerCore)} of the server core`)
    if ((cpu.othersOnLoadCore ?? 0) >= 0.05) parts.push(`other processes ${pct(cpu.othersOnLoadCore)} of the load core`)
    return parts.join(', ')
  }
  const verdict = (cpu: CpuShare | undefined) => {
    if (!cpu || cpu.server === undefined) return 'unknown'
    const serverCore = cpu.server + (cpu.othersOnServerCore ?? 0)
    if (cpu.server >= 0.85 && cpu.loader >= 0.85)
      return 'both cores: the server and the load generator are saturated alike'
    if (cpu.server >= 0.85) return 'the server core (server CPU)'
    if (serverCore >= 0.9) return 'the server core, shared with other processes'
    if (cpu.loader >= 0.85 || cpu.loader + (cpu.othersOnLoadCore ?? 0) >= 0.9) return 'the load generator core'
    return 'neither core: the server waited (I/O or scheduling)'
  }
  const c = report.ceiling
  if (c.result) {
    lines.push(
      `**bare Fastify** (${int(c.result.rps)} req/s = ${us(fastify)} µs/request): bound by ${verdict(c.cpu)}; ${describeCpu(c.cpu)}.` +
        (c.cpu && c.cpu.loader >= 0.85
          ? ' When the load generator is the limit, the true ceiling is higher and every ratio to it flatters the server measured.'
          : ''),
    )
  }
  for (const o of report.tessera) {
    const r = o.result
    const work = UNAVOIDABLE[o.name]
    if (!r || !work) continue
    const per = 1 / r.rps
    const unavoidable = work.seconds(report.micro)
    const own = per - fastify - unavoidable
    lines.push(
      `**${o.name}** (${int(r.rps)} req/s = ${us(per)} µs/request): bound by ${verdict(o.cpu)}; ${describeCpu(o.cpu)}. ` +
        `Of the ${us(per)} µs: Fastify's floor ${us(fastify)}, unavoidable work ${us(unavoidable)} (${work.label}), ` +
        `Tessera's own code and libraries ${us(own)} (${pct(own / per)}).`,
    )
  }
  for (const o of report.peer?.outcomes ?? []) {
    const r = o.result
    if (!r) continue
    lines.push(
      `**better-auth ${o.name}** (${int(r.rps)} req/s = ${us(1 / r.rps)} µs/request): bound by ${verdict(o.cpu)}; ${describeCpu(o.cpu)}.`,
    )
  }
  return lines
}

function textTable(head: Row, rows: readonly Row[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: Row) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

function markdownTable(head: Row, rows: readonly Row[], leftColumns = 1): string {
  const line = (cells: Row) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`
  const rule = `| ${head.map((_, i) => (i < leftColumns ? '---' : '---:')).join(' | ')} |`
  return [line(head), rule, ...rows.map(line)].join('\n')
}

function memoryLine(report: BenchReport): string {
  const rss = report.rssBytes === undefined ? 'unknown' : `${(report.rssBytes / 1024 / 1024).toFixed(0)} MB`
  const cold =
    report.coldStartsMs.length === 0
      ? 'not measured'
      : `${int(median(report.coldStartsMs))} ms (median of ${report.coldStartsMs.length}: ${report.coldStartsMs.map(int).join(', ')} ms)`
  const quiet =
    report.rssQuietBytes === undefined
      ? ''
      : ` (${(report.rssQuietBytes / 1024 / 1024).toFixed(0)} MB ${QUIET_WAIT_MS / 1000} s later, with no request in between)`
  const line = `Tessera server RSS after the bench: ${rss}${quiet}; cold start (spawn → /healthz 200, fresh data folder): ${cold}`
  const memory = report.memory
  if (memory === undefined) return line
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)}`
  const spaces = Object.entries(memory.spaces)
    .filter(([, [committed]]) => committed >= 1024 * 1024)
    .map(([name, [committed, used]]) => `${name.replace(/_space$/, '')} ${mb(committed)}/${mb(used)}`)
    .join(', ')
  return `${line}.\n\nOf that RSS, as the server saw it: V8 heap ${mb(memory.heapTotal)} MB committed, ${mb(memory.heapUsed)} MB used (per space, committed/used MB: ${spaces}); external ${mb(memory.external)} MB, of which array buffers ${mb(memory.arrayBuffers)} MB; the rest (${mb(Math.max(0, memory.rss - memory.heapTotal - memory.external))} MB) is code, native libraries, threads' stacks and the C heap (SQLite, OpenSSL, worker isolates, the allocator's free lists)`
}

function quietNote(report: BenchReport): string | undefined {
  const before = report.loadBefore[0] ?? 0
  const others = [...report.tessera, report.ceiling, ...(report.peer?.outcomes ?? [])]
    .map((o) => Math.max(o.cpu?.othersOnServerCore ?? 0, o.cpu?.othersOnLoadCore ?? 0))
    .reduce((a, b) => Math.max(a, b), 0)
  if (before < 0.5 && others < 0.05) return undefined
  return (
    `The machine was not quiet: load average ${report.loadBefore.map((l) => l.toFixed(2)).join(' ')} before the run, ` +
    `and other processes took up to ${pct(others)} of a bench core during a timed run (see "CPU during the timed runs"). ` +
    'Figures for runs with a large "others" share are low by about that share.'
  )
}

export function renderText(report: BenchReport): string {
  const checkpoint = checkpointTable(report)
  const pg = postgresTable(report)
  const pgAtRates = pgbenchAtRatesTable(report)
  const main = mainTable(report)
  const openLoop = openLoopTable(report)
  const ideal = idealTable(report)
  const cpu = cpuTable(report)
  const parts = [
    '',
    `Tessera bench — ${report.date.toISOString()} — ${report.cpuModel}, ${report.cores} cores, Node ${report.node}`,
    `${report.options.connections} connections, ${report.options.requests} requests per scenario after ${report.options.warmup} warm-up` +
      `${report.pinned ? '; servers on core 0, load generator on core 1' : '; not pinned (no taskset or one core)'}` +
      `; storage ${report.options.db}`,
    '',
    textTable(main.head, main.rows),
    '',
    ...(report.openLoop.length > 0
      ? [
          `Open loop (${report.options.openSeconds} s per run; latency from each request's departure; event-loop delay beyond 1 ms):`,
          textTable(openLoop.head, openLoop.rows),
          '',
        ]
      : []),
    ...(pg
      ? [
          `PostgreSQL: ${'tps' in (report.pgbench ?? {}) ? '' : `pgbench not measured (${(report.pgbench as { unavailable?: string } | undefined)?.unavailable ?? 'not run'}); `}queries and transactions counted in the servers:`,
          textTable(pg.head, pg.rows),
          '',
          ...(pgAtRates
            ? [
                "pgbench -N at the open loop's rates (PostgreSQL's own commits; every transaction's latency):",
                textTable(pgAtRates.head, pgAtRates.rows),
                '',
              ]
            : []),
        ]
      : []),
    textTable(ideal.head, ideal.rows),
    '',
    'How long a turn of the event loop with one commit (4 starts) held the thread, less its waits for the core:',
    textTable(checkpoint.head, checkpoint.rows),
    '',
    textTable(['unavoidable work, measured on the server core', 'µs'], microRows(report)),
    '',
    memoryLine(report),
  ]
  if (report.peer)
    parts.push(
      `peer: better-auth ${report.peer.version}, email-OTP plugin, ${report.options.peerRequests} requests per scenario`,
    )
  if (report.peerUnavailable) parts.push(`peer unavailable: ${report.peerUnavailable}`)
  if (report.heap) {
    const heap = heapTables(report.heap)
    parts.push('', `Heap snapshot after the runs: ${mb(report.heap.totalBytes)} MB of objects`)
    parts.push(textTable(heap.retainers.head, heap.retainers.rows), '', textTable(heap.types.head, heap.types.rows))
  }
  if (report.pinned) parts.push('', 'CPU during the timed runs (share of one core):', textTable(cpu.head, cpu.rows))
  const note = quietNote(report)
  if (note) parts.push('', note)
  return `${parts.join('\n')}\n`
}

export function renderMarkdown(report: BenchReport): string {
  const checkpoint = checkpointTable(report)
  const pg = postgresTable(report)
  const pgAtRates = pgbenchAtRatesTable(report)
  const main = mainTable(report)
  const openLoop = openLoopTable(report)
  const gcPauses = gcPauseTable(report)
  const ideal = idealTable(report)
  const cpu = cpuTable(report)
  const cpuCost = cpuCostTable(report)
  const goals = targets(report)
  const note = quietNote(report)
  const o = report.options
  return `# Benchmarks

Written by \`npm run bench\` (packages/server/bench/bench.ts); rerun it to refresh this page.
Each scenario sends a fixed number of requests after a warm-up, with autocannon, on loopback, every
request with its own identifier, verification or token (all prepared before the timed run). The Tessera
server runs on its embedded default (SQLite, WAL) with the \`null\` delivery provider, which does no I/O.

## Latest run

- date: ${report.date.toISOString()}
- machine: ${report.cpuModel}, ${report.cores} cores; Node ${report.node}
- command: \`${o.command}\`
- ${o.connections} connections; ${o.requests} requests per scenario after ${o.warmup} warm-up; better-auth ${o.peerRequests} per scenario
- ${report.pinned ? 'servers pinned to core 0 (`taskset -c 0`), load generator to core 1' : 'not pinned: no `taskset` or a single core'}
- load average before / after: ${report.loadBefore.map((l) => l.toFixed(2)).join(' ')} / ${report.loadAfter.map((l) => l.toFixed(2)).join(' ')}
${note ? `\n> ${note}\n` : ''}
${markdownTable(main.head, main.rows)}

"× ceiling" is req/s divided by bare Fastify's: one POST route that validates a JSON body like a start
request and answers a JSON object like a start answer through a response schema (bench/bare-fastify.ts),
in its own process on the same core. "% of ideal" is req/s divided by the ideal rate below.
${report.peer ? `The peer is better-auth ${report.peer.version}'s email-OTP plugin on better-sqlite3 (WAL, synchronous=NORMAL, its rate limiter off, a fixed OTP through \`generateOTP\`), served by \`toNodeHandler\` on node:http: \`start\` is \`POST /api/auth/email-otp/send-verification-otp\` (type \`sign-in\`, a new address each time), \`verify-ok\` is \`POST /api/auth/email-otp/check-verification-otp\` (checks the OTP without signing in or creating a session; the users and OTPs are created before the timed run).` : report.peerUnavailable ? `Peer unavailable: ${report.peerUnavailable}.` : 'The peer was not run (--no-peer).'}

${memoryLine(report)}.
${
  report.heap
    ? `
A heap snapshot of the server after the runs (\`--heap-snapshot\`: Node's \`--heapsnapshot-signal\`, read by
bench/heap-summary.ts) holds ${mb(report.heap.totalBytes)} MB of objects; the rest of the RSS is code, V8's
spaces not in use, native memory (SQLite's page cache, OpenSSL, buffers). The largest retainers (what
each alone keeps alive, from the dominator tree) and the constructors with the most memory of their own:

${markdownTable(heapTables(report.heap).retainers.head, heapTables(report.heap).retainers.rows, 2)}

${markdownTable(heapTables(report.heap).types.head, heapTables(report.heap).types.rows)}
`
    : ''
}
## Latency at an ordinary load (open loop)

${
  openLoop.rows.length > 0
    ? `Requests leave on a fixed schedule whatever earlier answers did (bench/open-loop.ts: node:http with a
keep-alive agent of up to 512 sockets, a 1 ms send tick, ${o.openSeconds} s per run), each with its own
identifier, verification or token, at 25% and 50% of the req/s the closed-loop run of the same scenario
measured above${givenCapacities(o)}. Latency runs from each request's departure to its whole answer. "loop delay" is the
server's \`perf_hooks.monitorEventLoopDelay\` histogram over the same window (a 1 ms timer; the figures are
its delay beyond that 1 ms), read by a module the bench preloads with \`--import\` (bench/loop-delay-probe.mjs),
so the server carries no bench code. Bare Fastify runs at the same rates, with the same probe, as the floor.

${markdownTable(openLoop.head, openLoop.rows)}${
  gcPauses.rows.length > 0
    ? `

What the garbage collector paused Tessera's main thread for during each run (the probe's
\`PerformanceObserver\` of \`gc\` entries): the event loop waits for every pause, and a pause leaves a
queue of requests behind it.

${markdownTable(gcPauses.head, gcPauses.rows)}`
    : ''
}`
    : 'Not run (`--no-open-loop`, or none of start, verify-ok, token-verify was measured).'
}

### WAL checkpoints and the event loop

bench/checkpoint-stalls.ts, in one process pinned to the server core: one transaction of 4 starts'
rows (a verification and a delivery attempt each) per turn of the event loop, with SQLite's default
autocheckpoint and with the checkpoint worker, alternately (each half of the turns). Each turn's time is
its wall time less the time the thread waited for the core (/proc schedstat), so other processes on a
shared machine do not count; what remains is the thread's own work and I/O waits, such as a checkpoint's fsync.

${markdownTable(checkpoint.head, checkpoint.rows)}

${
  pg
    ? `## PostgreSQL

${o.instances} Tessera instance${o.instances > 1 ? 's' : ''} on one PostgreSQL database (same machine${process.env.TEST_REDIS_URL ? ', limits in Redis' : ''}), the load
spread across them (one autocannon per instance, each with its share of the connections). The ceiling
is \`${report.pgbench && 'tps' in report.pgbench ? report.pgbench.command : 'pgbench -N'}\` on the same server, measured in the same run${report.pgbench && 'unavailable' in report.pgbench ? ` (not measured: ${report.pgbench.unavailable})` : ''}.
Queries and transactions are counted inside each server by the bench's preloaded probe (it wraps
node-postgres' \`Client.query\`; a transaction is a BEGIN or a query outside one), over the timed run,
divided by the requests answered. "first instance CPU" is the first server's share of its core:
well under 100% means it waited.

${markdownTable(pg.head, pg.rows)}
${
  pgAtRates
    ? `
The floor of the open loop on this database: the same pgbench transactions (four statements and one commit)
sent at each rate the open loop offered Tessera, for as long (\`pgbench -N -c 10 -j 2 -R <rate>\`, every
transaction's latency from its \`--log\`). A start commits twice on PostgreSQL, a verify-ok twice.

${markdownTable(pgAtRates.head, pgAtRates.rows)}
`
    : ''
}
`
    : ''
}## Ideal rates

The ideal rate of a scenario is 1 / (bare Fastify's cost per request + the cost of the work the scenario
cannot avoid), each measured in the same run on the server's core, in a child process pinned like the
server (bench/micro.ts).

${markdownTable(ideal.head, ideal.rows, 2)}

${markdownTable(['unavoidable work, measured', 'µs'], microRows(report))}

## Targets (issues 3 and 21)

${markdownTable(
  ['target', 'goal', 'measured', 'met'],
  goals.map((g) => [g.what, g.goal, g.measured, g.met === undefined ? '–' : g.met ? 'yes' : '**no**']),
)}

## What bounds each figure

With the server pinned to one core, a saturated server core means time per request = 1 / req/s of
server CPU; it splits into bare Fastify's floor, the unavoidable work and the rest (Tessera's own code:
routing, validation, storage, JSON, logging, and the libraries under it).
\`npm run bench -- --cpu-prof --scenarios verify-ok\` profiles it; the analysis at the end of this page
(hand-written, kept across runs) says where that time goes and what bounds each target.

${bounds(report)
  .map((line) => `- ${line}`)
  .join('\n')}

### CPU during the timed runs

Share of one core over each timed run, from /proc: the server process (all its threads), the load
generator (the bench process), and what other processes took on the same cores.

${report.pinned ? markdownTable(cpu.head, cpu.rows) : 'Not measured: the run was not pinned.'}

### Per request of server CPU

The comparisons above in server CPU per request (the server's share of its core over the timed run
divided by its req/s; the ideal uses bare Fastify's CPU per request plus the same unavoidable work).
Time other processes take from the server's core lowers req/s, not this; on a busy machine these are
the figures to compare.

${cpuCost.rows.length > 0 ? markdownTable(cpuCost.head, cpuCost.rows) : 'Not measured: the run was not pinned.'}
`
}
