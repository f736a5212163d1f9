// `npm run bench`: Tessera's scenarios against the bare-Fastify ceiling, the
// ideal rates of the unavoidable work, and better-auth's email OTP as a peer.
// See `npm run bench -- --help` and docs/benchmarks.md.

import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { CheckpointStalls } from './checkpoint-stalls.js'
import { startCpuShare } from './cpu-share.js'
import { type HeapSummary, summariseHeap } from './heap-summary.js'
import { closeClient } from './http-client.js'
import { runLoad } from './load.js'
import type { MicroCosts } from './micro.js'
import { type OpenLoopOutcome, runOpenLoopFloor, runOpenLoopScenarios } from './open-loop-scenarios.js'
import { type BenchOptions, parseOptions, USAGE } from './options.js'
import { type PeerRun, runPeer } from './peer-run.js'
import { measurePgbench } from './pgbench.js'
import { postgresUrl, redactUrl } from './postgres.js'
import {
  BENCH_DIR,
  canPin,
  LOOP_DELAY_PROBE_FLAGS,
  type LoopDelay,
  pinSelfToLoadCore,
  REPO_ROOT,
  RUN_TS,
  readLoopDelay,
  residentBytes,
  runNodeOnServerCore,
  startServer,
} from './processes.js'
import { formatSummary } from './profile-summary.js'
import { type BenchReport, QUIET_WAIT_MS, renderMarkdown, renderText } from './report.js'
import { formatStalls } from './stall-summary.js'
import {
  coldStart,
  createBenchApp,
  newSecrets,
  runTesseraScenarios,
  type ScenarioOutcome,
  startTessera,
  type TesseraServer,
} from './tessera.js'

/** Where docs/benchmarks.md's hand-written part begins: the bench rewrites what is above it only. */
const HAND_WRITTEN_MARKER = '<!-- hand-written below: npm run bench keeps it -->'

const log = (line: string) => process.stdout.write(`${line}\n`)

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    return match?.[1]?.trim() ?? 'unknown CPU'
  } catch {
    return 'unknown CPU'
  }
}

async function measureCeiling(options: BenchOptions, openLoop: readonly OpenLoopOutcome[]): Promise<ScenarioOutcome> {
  log('bare Fastify (ceiling)…')
  const server = await startServer(
    'bare Fastify',
    [...LOOP_DELAY_PROBE_FLAGS, RUN_TS, resolve(BENCH_DIR, 'bare-fastify.ts')],
    {
      ...process.env,
      PORT: '0',
    },
  )
  try {
    let k = 0
    const base = {
      url: server.url,
      path: '/v1/verifications',
      headers: { authorization: 'Bearer tsk_bench_0123456789abcdef0123456789abcdef' },
      body: () => JSON.stringify({ channel: 'email', to: `ceiling-${k++}@bench.example`, custom_code: '123456' }),
      connections: options.connections,
      expectStatus: 201,
    }
    await runLoad({ ...base, title: 'bare Fastify (warm-up)', count: options.warmup })
    const measure = startCpuShare(server.pid)
    const result = await runLoad({ ...base, title: 'bare Fastify', count: options.requests })
    const cpu = measure()
    log(
      `  bare Fastify: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.errors} errors`,
    )
    await runOpenLoopFloor(options, server, base.headers, openLoop, log)
    return { name: 'bare Fastify', result, cpu }
  } finally {
    await server.stop()
  }
}

const HEAP_SNAPSHOT_SIGNAL = 'SIGTTIN'

/** Signals the server to write a heap snapshot into `dir`; answers its path once written. */
async function takeHeapSnapshot(server: TesseraServer, dir: string): Promise<string | undefined> {
  log('heap snapshot of the server…')
  server.child.kill(HEAP_SNAPSHOT_SIGNAL)
  // The snapshot is written on the main thread: the probe answers once it is done.
  for (let i = 0; i < 60; i++) {
    await new Promise((done) => setTimeout(done, 500))
    const written = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot'))
    if (written && (await readLoopDelay(server, 60_000))) return join(dir, written)
  }
  log('  no heap snapshot was written')
  return undefined
}

async function measureCheckpointStalls(options: BenchOptions): Promise<CheckpointStalls> {
  log('commit stalls: SQLite autocheckpoint against the checkpoint worker, on the server core…')
  const out = await runNodeOnServerCore(
    [RUN_TS, resolve(BENCH_DIR, 'checkpoint-stalls.ts'), ...(options.smoke ? ['--quick'] : [])],
    process.env,
  )
  return JSON.parse(out.trim().split('\n').pop() ?? '') as CheckpointStalls
}

async function measureMicro(options: BenchOptions): Promise<MicroCosts> {
  log('unavoidable work (Ed25519, HMAC, SQLite) on the server core…')
  const out = await runNodeOnServerCore(
    [RUN_TS, resolve(BENCH_DIR, 'micro.ts'), ...(options.smoke ? ['--quick'] : [])],
    process.env,
  )
  const line = out.trim().split('\n').pop() ?? ''
  return JSON.parse(line) as MicroCosts
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>
  try {
    parsed = parseOptions(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (parsed === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  const options = parsed
  const pinned = pinSelfToLoadCore()
  const loadBefore = loadavg()
  const date = new Date()
  log(
    `Tessera bench: ${cpuModel()}, ${cpus().length} cores, Node ${process.version}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  )
  if (!pinned) log(canPin ? 'could not pin the load generator; running unpinned' : 'no taskset or one core: not pinned')
  if (loadBefore[0] !== undefined && loadBefore[0] > 0.5) {
    log('note: the machine is not quiet (load average above 0.5): figures may be low')
  }

  // Tessera first: with --db postgres it may refuse to start, and then nothing else is worth running.
  const secrets = newSecrets()
  const profDir = options.cpuProf
    ? (options.cpuProfDir ?? mkdtempSync(join(tmpdir(), 'tessera-bench-prof-')))
    : undefined
  if (profDir) mkdirSync(profDir, { recursive: true })
  // Node writes a heap snapshot on this signal (--heapsnapshot-signal): no code in the server for it.
  const heapDir = options.heapSnapshot ? mkdtempSync(join(tmpdir(), 'tessera-bench-heap-')) : undefined
  let server: TesseraServer
  try {
    server = await startTessera(options, secrets, [
      ...LOOP_DELAY_PROBE_FLAGS,
      ...(heapDir ? [`--heapsnapshot-signal=${HEAP_SNAPSHOT_SIGNAL}`, `--diagnostic-dir=${heapDir}`] : []),
      ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []),
    ])
  } catch (error) {
    const message = (error as Error).message
    if (options.db === 'postgres') {
      log(`Tessera did not start on PostgreSQL (${redactUrl(postgresUrl())}, from TEST_POSTGRES_URL or the default):`)
      log(message)
      log('--db postgres needs a reachable PostgreSQL and a Tessera that supports it (issue 7); nothing was measured.')
      return 2
    }
    throw error
  }
  log(
    `Tessera listening on ${server.instances.map((s) => s.url).join(', ')} (pid ${server.instances.map((s) => s.pid).join(', ')}, storage ${options.db})`,
  )
  let tessera: ScenarioOutcome[]
  let rssBytes: number | undefined
  let rssQuietBytes: number | undefined
  let memory: LoopDelay['memory']
  let openLoop: OpenLoopOutcome[] = []
  let heapFile: string | undefined
  try {
    const app = await createBenchApp(server.url, secrets.adminKey)
    tessera = await runTesseraScenarios(options, server, app, log)
    if (options.openLoop) openLoop = await runOpenLoopScenarios(options, server, app, tessera, log)
    rssBytes = residentBytes(server.pid)
    memory = server.instances[0] && (await readLoopDelay(server.instances[0]))?.memory
    if (!options.smoke) {
      // What the server holds once quiet: its idle collector (src/cli/idle-collector.ts) runs after six quiet seconds.
      await new Promise((resolve) => setTimeout(resolve, QUIET_WAIT_MS))
      rssQuietBytes = residentBytes(server.pid)
    }
    if (heapDir) heapFile = await takeHeapSnapshot(server, heapDir)
  } finally {
    const code = await server.dispose()
    if (code !== 0) log(`Tessera exited with code ${code}:\n${server.output().trim().slice(-2000)}`)
  }
  if (profDir) {
    // Main thread only (thread id 0 in the name; tsx's loader thread writes another), timed runs only.
    const profiles = readdirSync(profDir).filter((name) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name))
    const timed = tessera.flatMap((o) => (o.result ? [o.result] : []))
    const windows = timed.map((result) => result.windowUs)
    // One scenario timed: its areas in µs a request too.
    const requests = timed.length === 1 ? timed[0]?.count : undefined
    for (const name of profiles) {
      log(`\n${formatSummary(join(profDir, name), 30, windows, requests)}`)
      // The open-loop runs' tails come from these: what held the loop longest while they ran.
      const openWindows = openLoop.map((o) => o.tessera.result.windowUs)
      if (openWindows.length > 0) log(`\n${formatStalls(join(profDir, name), 10, openWindows)}`)
    }
    log(profiles.length === 0 ? `no .cpuprofile was written in ${profDir}` : `profiles in ${profDir}`)
  }

  let pgbench: BenchReport['pgbench']
  if (options.db === 'postgres') {
    log('pgbench -N (the PostgreSQL ceiling)…')
    // Then at the rates the open loop offered Tessera, for as long: PostgreSQL's own commits' tail at that load.
    const openRates = openLoop.map((outcome) => outcome.tessera.result.rate)
    pgbench = await measurePgbench(options.smoke ? 2 : 10, openRates, options.openSeconds)
    log('tps' in pgbench ? `  pgbench: ${pgbench.tps.toFixed(0)} transactions/s` : `  ${pgbench.unavailable}`)
  }
  const ceiling = await measureCeiling(options, openLoop)
  const micro = await measureMicro(options)
  const checkpointStalls = await measureCheckpointStalls(options)

  log(`cold start ×${options.coldStarts}…`)
  const coldStartsMs: number[] = []
  for (let i = 0; i < options.coldStarts; i++) coldStartsMs.push(await coldStart(options, secrets))

  let peer: PeerRun | undefined
  let peerUnavailable: string | undefined
  if (options.peer) {
    try {
      peer = await runPeer(options, randomBytes(4).toString('hex'), log)
    } catch (error) {
      peerUnavailable = ((error as Error).message.split('\n')[0] ?? String(error)).slice(0, 300)
      log(`peer unavailable: ${peerUnavailable}`)
    }
  }
  closeClient()
  let heap: HeapSummary | undefined
  if (heapFile) {
    log(`summarising the heap snapshot ${heapFile}…`)
    heap = summariseHeap(heapFile)
  }

  const report: BenchReport = {
    options,
    date,
    cpuModel: cpuModel(),
    cores: cpus().length,
    node: process.version,
    pinned,
    loadBefore,
    loadAfter: loadavg(),
    tessera,
    openLoop,
    ceiling,
    micro,
    checkpointStalls,
    pgbench,
    rssBytes,
    rssQuietBytes,
    memory,
    heap,
    coldStartsMs,
    peer,
    peerUnavailable,
  }
  process.stdout.write(renderText(report))

  if (options.out) {
    const out = resolve(REPO_ROOT, options.out)
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, renderMarkdown(report) + handWritten(out))
    log(`\nwrote ${out}`)
  }

  const failures = [...tessera, ceiling]
    .filter((o) => (o.result?.errors ?? 0) > 0)
    .map((o) => `${o.name} (${o.result?.errors})`)
  for (const o of openLoop) {
    for (const run of [o.tessera, o.floor]) {
      if (run && run.result.errors > 0) failures.push(`${run.result.title} (${run.result.errors})`)
    }
  }
  if (failures.length > 0) {
    log(`\nFAILED: errors in ${failures.join(', ')}`)
    return 1
  }
  return 0
}

/** The page's hand-written analysis (from HAND_WRITTEN_MARKER on), kept across runs. */
function handWritten(path: string): string {
  let current: string
  try {
    current = readFileSync(path, 'utf8')
  } catch {
    return ''
  }
  const at = current.indexOf(HAND_WRITTEN_MARKER)
  return at < 0 ? '' : `\n${current.slice(at)}`
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  },
)
