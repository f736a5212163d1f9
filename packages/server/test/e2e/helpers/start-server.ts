import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The workspace root (where `node packages/server/bin/tessera.js` is run from). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..')
export const TESSERA_BIN = join(REPO_ROOT, 'packages/server/bin/tessera.js')

const BANNER = /Tessera is listening on (http:\/\/\S+)/

/** Every child this module spawned and that has not exited yet: `killAll` ends them. */
const live = new Set<ChildProcess>()

// A worker that exits without running afterAll still takes its servers with it (a worker killed
// by a signal is covered by EXIT_WITH_PARENT below).
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/**
 * The environment of a child: only what a process needs to run, plus the
 * test's variables. Nothing from the test runner (NODE_ENV=test, VITEST_*)
 * leaks into the service.
 */
function childEnv(env: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {}
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT']) {
    const value = process.env[name]
    if (value !== undefined) base[name] = value
  }
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) base[name] = value
  }
  return base
}

export interface Output {
  /** Every stdout line so far (complete lines, plus the unterminated tail once the process exits). */
  readonly stdout: string[]
  readonly stderr: string[]
}

export interface RunningProcess extends Output {
  readonly child: ChildProcess
  /** Resolves with the exit code; a death by signal answers -1 (see `child.signalCode`). */
  readonly exited: Promise<number>
  /** All lines, stdout then stderr. */
  allLines(): string[]
}

function track(child: ChildProcess): RunningProcess {
  live.add(child)
  const stdout: string[] = []
  const stderr: string[] = []
  const collect = (stream: NodeJS.ReadableStream | null, into: string[]) => {
    if (!stream) return () => undefined
    let tail = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      const parts = (tail + chunk).split('\n')
      tail = parts.pop() ?? ''
      into.push(...parts)
    })
    return () => {
      if (tail !== '') into.push(tail)
      tail = ''
    }
  }
  const flushOut = collect(child.stdout, stdout)
  const flushErr = collect(child.stderr, stderr)
  const exited = new Promise<number>((resolveExit) => {
    child.once('close', (code) => {
      live.delete(child)
      flushOut()
      flushErr()
      resolveExit(code ?? -1)
    })
  })
  return { child, stdout, stderr, exited, allLines: () => [...stdout, ...stderr] }
}

/**
 * Preloaded into every child: when the test process goes away without cleaning up (killed worker,
 * Ctrl-C), the child's stdin pipe reaches end-of-file and the child dies with it. The handle is
 * unref'd, so it never keeps a process alive that would otherwise exit.
 */
const EXIT_WITH_PARENT = `data:text/javascript,${encodeURIComponent(
  "process.stdin.on('end',()=>process.kill(process.pid,'SIGKILL')).on('error',()=>{}).resume();process.stdin.unref?.()",
)}`

/** Spawns `node packages/server/bin/tessera.js <args>` from the repo root. */
export function spawnTessera(args: readonly string[], env: Readonly<Record<string, string | undefined>>) {
  const child = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, TESSERA_BIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  return track(child)
}

/**
 * Spawns `npm start` from the repo root, as the README says to run the service: npm, then the start script's
 * command. The npm of this Node's own folder when it has one, so npm and the service run on the Node under test.
 */
export function spawnNpmStart(env: Readonly<Record<string, string | undefined>>) {
  const nodeDir = dirname(process.execPath)
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: {
      ...childEnv(env),
      PATH: `${nodeDir}${delimiter}${process.env.PATH ?? ''}`,
      // npm and the service both die with the test process (see EXIT_WITH_PARENT).
      NODE_OPTIONS: `--import=${EXIT_WITH_PARENT}`,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  return track(child)
}

/** Waits for a process to exit, at most `timeoutMs`; kills it and throws if it does not. */
export async function exitWithin(proc: RunningProcess, timeoutMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      proc.child.kill('SIGKILL')
      reject(new Error(`process did not exit within ${timeoutMs} ms\n${proc.allLines().join('\n')}`))
    }, timeoutMs)
  })
  try {
    return await Promise.race([proc.exited, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a one-shot CLI command to completion (bounded). */
export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 30_000,
): Promise<CliResult> {
  const proc = spawnTessera(args, env)
  const code = await exitWithin(proc, timeoutMs)
  return { code, stdout: proc.stdout.join('\n'), stderr: proc.stderr.join('\n') }
}

export interface TestServer extends RunningProcess {
  /** `http://127.0.0.1:NNNNN`, from the banner. */
  readonly url: string
  readonly dataDir: string
  /** Sends the signal (default SIGTERM) and resolves with the exit code (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number>
}

export interface StartOptions {
  /** Variables for the service; PORT defaults to 0 and TESSERA_DATA_DIR to a fresh temp dir. */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly startTimeoutMs?: number
  /** Start it with `npm start` (the README's command) instead of `node …/tessera.js serve`. */
  readonly viaNpmStart?: boolean
}

const tempDirs: string[] = []

/** A fresh, empty data directory, removed by `cleanupTempDirs`. */
export function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'))
  tempDirs.push(dir)
  return dir
}

/** Starts `tessera serve` and resolves once the banner names the URL. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const env: Record<string, string | undefined> = { PORT: '0', HOST: '127.0.0.1', ...options.env }
  const dataDir = env.TESSERA_DATA_DIR ?? freshDataDir()
  const proc = options.viaNpmStart
    ? spawnNpmStart({ ...env, TESSERA_DATA_DIR: dataDir })
    : spawnTessera(['serve'], { ...env, TESSERA_DATA_DIR: dataDir })
  const timeoutMs = options.startTimeoutMs ?? 30_000

  const url = await new Promise<string>((resolveUrl, reject) => {
    let settled = false
    const settle = (outcome: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      proc.child.stdout?.off('data', onData)
      outcome()
    }
    // Registered after track()'s own listener, so the chunk's lines are collected first.
    const onData = () => {
      const match = proc.stdout.map((line) => BANNER.exec(line)).find(Boolean)
      const found = match?.[1]
      if (found) settle(() => resolveUrl(found))
    }
    const timer = setTimeout(() => {
      proc.child.kill('SIGKILL')
      settle(() => reject(new Error(`no banner within ${timeoutMs} ms\n${proc.allLines().join('\n')}`)))
    }, timeoutMs)
    proc.child.stdout?.on('data', onData)
    void proc.exited.then((code) =>
      settle(() =>
        reject(
          new Error(
            `server exited (code ${code}, signal ${proc.child.signalCode}) before listening\n${proc.allLines().join('\n')}`,
          ),
        ),
      ),
    )
  })

  return {
    ...proc,
    url,
    dataDir,
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited
      proc.child.kill(signal)
      return exitWithin(proc, timeoutMs)
    },
  }
}

/** Kills every process still running (for afterAll) and waits for them to go. */
export async function killAll(): Promise<void> {
  const waits: Promise<unknown>[] = []
  for (const child of live) {
    waits.push(new Promise((resolveClose) => child.once('close', resolveClose)))
    child.kill('SIGKILL')
  }
  await Promise.all(waits)
}

/** Removes the temp dirs made by `freshDataDir` (for afterAll). */
export function cleanupTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Strong random secrets of the right shapes for the service. */
export function secretsForTest(): { TESSERA_SECRET: string; TESSERA_ADMIN_KEY: string } {
  const random = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
  return { TESSERA_SECRET: `sec-${random()}`, TESSERA_ADMIN_KEY: `adm-${random()}` }
}
