// Sets up the peer (better-auth's email-OTP plugin) in a temporary folder:
// `npm install better-auth@<latest>` there, cached under the OS temp folder
// by version so that repeated runs start at once. better-auth is never a
// dependency of the project. The peer runs on the project's own better-sqlite3
// (already built for this Node), so the install compiles nothing.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The OTP every send produces: deterministic through the plugin's `generateOTP` option. */
export const PEER_OTP = '123456'

export const PEER_CACHE = join(tmpdir(), 'tessera-bench-peer')
const READY_MARK = '.tessera-bench-ready'

const ENTRY = `// Written by Tessera's bench: the parts of better-auth peer-server.ts uses.
export { betterAuth } from 'better-auth'
export { emailOTP } from 'better-auth/plugins/email-otp'
export { toNodeHandler } from 'better-auth/node'
export { getMigrations } from 'better-auth/db/migration'
`

function latestVersion(): string | undefined {
  const result = spawnSync('npm', ['view', 'better-auth', 'version'], { encoding: 'utf8', timeout: 60_000 })
  const version = result.status === 0 ? result.stdout.trim().split('\n').pop()?.trim() : undefined
  return version && /^\d+\.\d+\.\d+/.test(version) ? version : undefined
}

function cachedVersions(): string[] {
  if (!existsSync(PEER_CACHE)) return []
  return readdirSync(PEER_CACHE)
    .filter((name) => name.startsWith('better-auth-') && existsSync(join(PEER_CACHE, name, READY_MARK)))
    .map((name) => name.slice('better-auth-'.length))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
}

function npmInstall(dir: string, version: string, log: (line: string) => void): Promise<void> {
  log(`peer: npm install better-auth@${version} in ${dir} (once per version)…`)
  return new Promise((done, fail) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `better-auth@${version}`], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 5 * 60_000)
    child.once('error', fail)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) done()
      else fail(new Error(`npm install better-auth@${version} failed (${code}): ${output.trim().slice(-800)}`))
    })
  })
}

/** The folder holding a ready better-auth install (with peer-entry.mjs), and its version. */
export async function preparePeer(log: (line: string) => void): Promise<{ dir: string; version: string }> {
  const version = latestVersion() ?? cachedVersions().pop()
  if (!version) throw new Error('cannot learn the latest better-auth version from npm, and none is cached')
  const dir = join(PEER_CACHE, `better-auth-${version}`)
  if (!existsSync(join(dir, READY_MARK))) {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: 'tessera-bench-peer', private: true, type: 'module' }, null, 2)}\n`,
    )
    await npmInstall(dir, version, log)
    writeFileSync(join(dir, READY_MARK), `${new Date().toISOString()}\n`)
  }
  writeFileSync(join(dir, 'peer-entry.mjs'), ENTRY)
  return { dir, version }
}
