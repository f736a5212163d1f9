// Child processes of the bench: pinned to the server core where `taskset`
// exists, watched for their "listening on http://…" line, stopped gracefully.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createWriteStream, openSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
export const REPO_ROOT = resolve(BENCH_DIR, '../../..')
export const RUN_TS = resolve(REPO_ROOT, 'packages/server/bin/run-ts.js')
export const TESSERA_BIN = resolve(REPO_ROOT, 'packages/server/bin/tessera.js')

/**
 * The Node flags `npm start` gives the service (the root package.json's start script, `node <flags> <script>`),
 * so that the bench measures the server as it runs.
 */
export function serviceNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>
  }
  const words = (manifest.scripts?.start ?? '').split(/\s+/)
  const node = words.indexOf('node')
  const script = words.findIndex((word) => word.endsWith('bin/tessera.js'))
  if (node < 0 || script < node) throw new Error(`package.json's start script is not "node [flags] …/bin/tessera.js …"`)
  return words.slice(node + 1, script)
}

export const SERVER_CORE = 0
export const LOAD_CORE = 1

/** Whether servers and the load generator can be pinned to two different cores. */
export const canPin: boolean =
  availableParallelism() >= 2 && spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0

/** Pins this process (every thread it has, and so the threads it starts later) to the load core. */
export function pinSelfToLoadCore(): boolean {
  if (!canPin) return false
  return spawnSync('taskset', ['-a', '-pc', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' }).status === 0
}

/** `node <args>` on the server core (through `taskset -c`, which execs, so the child's pid is node's). */
export function spawnNodeOnServerCore(
  nodeArgs: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string = REPO_ROOT,
): ChildProcess {
  const [command, args] = canPin
    ? ['taskset', ['-c', String(SERVER_CORE), process.execPath, ...nodeArgs]]
    : [process.execPath, [...nodeArgs]]
  return spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
}

export interface RunningServer {
  readonly child: ChildProcess
  readonly pid: number
  /** Base URL from the listening line, e.g. `http://127.0.0.1:43123`. */
  readonly url: string
  /** What the process printed so far (both streams; the last 64 kB or more). */
  output(): string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>
}

const LISTENING = /listening on (https?:\/\/[^\s/]+)/i

/**
 * Spawns `node <args>` on the server core and resolves once it prints
 * `listening on http://host:port`. Rejects, with what it printed, when it
 * exits first or takes longer than `timeoutMs`.
 */
export function startServer(
  name: string,
  nodeArgs: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { readonly timeoutMs?: number; readonly logPath?: string | undefined } = {},
): Promise<RunningServer> {
  const timeoutMs = options.timeoutMs ?? 60_000
  // Opened before the spawn: a path that cannot be written fails here, with no server left running.
  const logFd = options.logPath === undefined ? undefined : openSync(options.logPath, 'w')
  const child = spawnNodeOnServerCore(nodeArgs, env)
  if (logFd !== undefined) {
    // The whole output, for traces (`--trace-gc-nvp`) longer than what `output()` keeps.
    const log = createWriteStream('', { fd: logFd })
    child.stdout?.pipe(log, { end: false })
    child.stderr?.pipe(log, { end: false })
    child.once('close', () => log.end())
  }
  let output = ''
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8')
    if (output.length > 128_000) output = output.slice(-64_000)
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)

  return new Promise((resolveStart, rejectStart) => {
    let settled = false
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      child.kill('SIGKILL')
      rejectStart(new Error(`${name} did not start within ${timeoutMs} ms:\n${output.trim()}`))
    }, timeoutMs)
    const onData = () => {
      if (settled) return
      const match = LISTENING.exec(output)
      if (!match?.[1] || settled) return
      settled = true
      clearTimeout(timer)
      const pid = child.pid
      if (pid === undefined) throw new Error(`${name}: no pid`)
      resolveStart({
        child,
        pid,
        url: match[1],
        output: () => output,
        async stop(graceMs = 15_000) {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
          child.kill('SIGTERM')
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs)
          const code = await exited
          clearTimeout(kill)
          return code
        },
      })
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    void exited.then((code) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      rejectStart(new Error(`${name} exited with code ${code} before listening:\n${output.trim()}`))
    })
  })
}

/** Resident set size of a process, bytes (Linux /proc); undefined elsewhere. */
export function residentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]
    return kb === undefined ? undefined : Number(kb) * 1024
  } catch {
    return undefined
  }
}

/** Runs `node <args>` on the server core to completion; answers its standard output. */
export function runNodeOnServerCore(nodeArgs: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawnNodeOnServerCore(nodeArgs, env)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  return new Promise((done, fail) => {
    child.once('error', fail)
    child.once('exit', (code) => {
      if (code === 0) done(stdout)
      else fail(new Error(`node ${nodeArgs.join(' ')} exited with ${code}:\n${stderr.trim()}`))
    })
  })
}

/** Node flags that preload the event-loop delay probe (bench/loop-delay-probe.mjs) into a server. */
export const LOOP_DELAY_PROBE_FLAGS: readonly string[] = ['--import', resolve(BENCH_DIR, 'loop-delay-probe.mjs')]

/** The probe's report: the event loop's delay beyond its 1 ms timer since the last report, milliseconds. */
export interface LoopDelay {
  readonly seconds: number
  readonly samples: number
  readonly mean: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
  readonly max: number
  /** PostgreSQL queries the server sent in the window (with TESSERA_BENCH_COUNT_QUERIES=1). */
  readonly queries: number
  /** Transactions those queries made: each BEGIN, and each query outside one. */
  readonly transactions: number
  /** The garbage collector's pauses of the main thread in the window, by kind: [count, total ms, longest ms]. */
  readonly gc?: Readonly<Record<'scavenge' | 'major' | 'incremental' | 'weak', readonly [number, number, number]>>
  /** process.memoryUsage() (bytes), and each V8 heap space as [committed, used] bytes. */
  readonly memory?: NodeJS.MemoryUsage & { readonly spaces: Readonly<Record<string, [number, number]>> }
}

// Only a whole line: a chunk of standard error may end inside the JSON, even right after an inner '}'.
const LOOP_DELAY_LINE = /^tessera-bench-loop-delay (\{.*\})\r?\n/m

/**
 * Asks a server started with LOOP_DELAY_PROBE_FLAGS for its event-loop delay since the last call (SIGUSR2)
 * and starts a new window; undefined when it does not answer within `timeoutMs` (no probe, or it exited).
 */
export function readLoopDelay(server: RunningServer, timeoutMs = 5000): Promise<LoopDelay | undefined> {
  const stderr = server.child.stderr
  if (!stderr || server.child.exitCode !== null) return Promise.resolve(undefined)
  return new Promise((done) => {
    let seen = ''
    const finish = (value: LoopDelay | undefined) => {
      clearTimeout(timer)
      stderr.off('data', onData)
      done(value)
    }
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8')
      const match = LOOP_DELAY_LINE.exec(seen)
      if (!match?.[1]) return
      try {
        finish(JSON.parse(match[1]) as LoopDelay)
      } catch {
        finish(undefined)
      }
    }
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    stderr.on('data', onData)
    server.child.kill('SIGUSR2')
  })
}
