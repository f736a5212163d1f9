import { type ChildProcess, spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { call, createAppWithKey } from './helpers/api.js'
import {
  cleanupTempDirs,
  freshDataDir,
  killAll,
  REPO_ROOT,
  secretsForTest,
  startServer,
  TESSERA_BIN,
} from './helpers/start-server.js'

afterAll(async () => {
  await killAll()
  cleanupTempDirs()
})

const BANNER = /Tessera is listening on (http:\/\/\S+)/
/** A pretty line: local time, level word, message. */
const PRETTY_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR|DEBUG|TRACE|FATAL): /
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour codes are what is stripped.
const ANSI = /\u001b\[[0-9;]*m/g

interface TerminalServer {
  readonly url: string
  /** Lines so far, colour codes and carriage returns removed. */
  lines(): string[]
  stop(): Promise<void>
}

/**
 * `tessera serve` with its standard output on a pseudo-terminal (util-linux `script`), as when a person runs
 * `npm start` in a terminal.
 */
async function startInTerminal(env: Record<string, string>): Promise<TerminalServer> {
  const command = `exec '${process.execPath}' '${TESSERA_BIN}' serve`
  const child: ChildProcess = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const lines = () =>
    output
      .replace(ANSI, '')
      .split('\n')
      .map((line) => line.replace(/\r$/, ''))
  const deadline = Date.now() + 60_000
  let url: string | undefined
  while (!url) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL')
      throw new Error(`no banner:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
    url = lines()
      .map((line) => BANNER.exec(line)?.[1])
      .find(Boolean)
  }
  return {
    url,
    lines,
    async stop() {
      // script ends the session's processes when it is told to stop.
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** The log lines: everything but the banner block (which shows the admin key on purpose). */
function logLines(lines: string[]): string[] {
  return lines.filter((line) => PRETTY_LINE.test(line) || line.startsWith('{'))
}

describe('logs', () => {
  it('in a terminal: readable single lines, the banner kept, secrets scrubbed', async () => {
    const secrets = secretsForTest()
    const server = await startInTerminal({ ...secrets, TESSERA_DATA_DIR: freshDataDir() })
    try {
      const app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Pretty')
      const started = await call(server.url, 'POST', '/v1/verifications', {
        key: app.key,
        body: { channel: 'email', to: 'grace.hopper@example.com' },
      })
      expect(started.status).toBe(201)
      expect((await call(server.url, 'GET', `/v1/verifications/${started.body.verification_id}/nope`)).status).toBe(404)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const lines = server.lines()
      expect(lines.some((line) => line.includes('Create an app'))).toBe(true)
      const logged = logLines(lines)
      expect(logged.length).toBeGreaterThan(3)
      // No JSON line: each entry is one readable line with the route template, never the URL.
      expect(logged.filter((line) => line.startsWith('{'))).toEqual([])
      expect(logged.some((line) => /INFO: incoming request .*"route":"\/v1\/verifications"/.test(line))).toBe(true)
      expect(logged.some((line) => /INFO: request completed .*"statusCode":404/.test(line))).toBe(true)
      const text = logged.join('\n')
      for (const secret of [app.key, secrets.TESSERA_ADMIN_KEY, started.body.verification_id, 'grace.hopper@']) {
        expect(text).not.toContain(secret)
      }
    } finally {
      await server.stop()
    }
  }, 90_000)

  it('in a terminal with LOG_FORMAT=json: JSON lines', async () => {
    const server = await startInTerminal({ ...secretsForTest(), TESSERA_DATA_DIR: freshDataDir(), LOG_FORMAT: 'json' })
    try {
      expect((await call(server.url, 'GET', '/healthz')).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const logged = logLines(server.lines())
      expect(logged.length).toBeGreaterThan(0)
      for (const line of logged) expect(JSON.parse(line)).toMatchObject({ service: 'tessera' })
    } finally {
      await server.stop()
    }
  }, 90_000)

  it('into a pipe with LOG_FORMAT=pretty: readable lines without colour codes', async () => {
    const server = await startServer({ env: { ...secretsForTest(), LOG_FORMAT: 'pretty' } })
    try {
      expect((await call(server.url, 'GET', '/healthz')).status).toBe(200)
      expect(await server.stop()).toBe(0)
      const logged = server.stdout.filter((line) => PRETTY_LINE.test(line) || line.startsWith('{'))
      expect(logged.some((line) => line.includes('INFO: stopped'))).toBe(true)
      expect(logged.filter((line) => !PRETTY_LINE.test(line))).toEqual([])
      expect(server.stdout.join('\n')).not.toMatch(ANSI)
    } finally {
      await server.stop('SIGKILL')
    }
  }, 60_000)
})
