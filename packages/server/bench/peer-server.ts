// The peer: better-auth's email-OTP plugin on better-sqlite3, served by a
// plain Node HTTP server through better-auth's `toNodeHandler`. better-auth is
// not a dependency of Tessera: the bench installs it in a temporary folder
// (see peer.ts) and names that folder in PEER_DIR; this file loads it from
// there through a small entry module written next to it.
//
//   PEER_DIR=… PEER_DATA=… node packages/server/bin/run-ts.js packages/server/bench/peer-server.ts
//
// Besides better-auth's routes under /api/auth it answers POST /__bench/seed
// {emails}: creates those users and a sign-in OTP for each (outside any
// timed run), so that /email-otp/check-verification-otp has something to check.

import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import { PEER_OTP } from './peer.js'

/** The few parts of better-auth this server uses (the package itself is not installed in the project). */
interface PeerAuth {
  readonly api: {
    createVerificationOTP(input: { body: { email: string; type: 'sign-in' } }): Promise<string>
  }
  readonly $context: Promise<{
    readonly internalAdapter: {
      createUser(
        user: { email: string; name: string; emailVerified: boolean },
        source: { method: string },
      ): Promise<unknown>
    }
  }>
}

interface PeerModule {
  betterAuth(options: Record<string, unknown>): PeerAuth
  emailOTP(options: {
    sendVerificationOTP(data: { email: string; otp: string; type: string }): Promise<void>
    generateOTP(): string
  }): unknown
  toNodeHandler(auth: PeerAuth): (req: IncomingMessage, res: ServerResponse) => Promise<void>
  getMigrations(options: Record<string, unknown>): Promise<{ runMigrations(): Promise<void> }>
}

const peerDir = process.env.PEER_DIR
const dataDir = process.env.PEER_DATA
if (!peerDir || !dataDir) throw new Error('peer-server: PEER_DIR and PEER_DATA are required')

const peer = (await import(pathToFileURL(join(peerDir, 'peer-entry.mjs')).href)) as PeerModule
const version = (
  JSON.parse(readFileSync(join(peerDir, 'node_modules/better-auth/package.json'), 'utf8')) as { version: string }
).version

// Same storage settings as Tessera's embedded default: WAL, synchronous=NORMAL.
const sqlite = new Database(join(dataDir, 'better-auth.db'))
sqlite.pragma('journal_mode = WAL')
sqlite.pragma('synchronous = NORMAL')
sqlite.pragma('busy_timeout = 5000')

let handle: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined
let seed: ((emails: readonly string[]) => Promise<void>) | undefined

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__bench/seed') {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const { emails } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { emails: string[] }
      ;(seed ?? (async () => {}))(emails).then(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error))
        },
      )
    })
    return
  }
  if (!handle) {
    res.writeHead(503).end()
    return
  }
  handle(req, res).catch((error: unknown) => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
    res.end(String(error))
  })
})
await new Promise<void>((done) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', done))
const address = server.address()
const port = typeof address === 'object' && address ? address.port : 0
const baseURL = `http://127.0.0.1:${port}`

const options: Record<string, unknown> = {
  baseURL,
  secret: 'bench-peer-secret-bench-peer-secret-0123456789',
  database: sqlite,
  // The peer's own rate limiter off, as the issue asks: the bench measures its work, not its throttle.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { disabled: true },
  plugins: [
    peer.emailOTP({
      async sendVerificationOTP() {
        // No delivery: the peer's equivalent of Tessera's `null` provider.
      },
      generateOTP: () => PEER_OTP,
    }),
  ],
}
const { runMigrations } = await peer.getMigrations(options)
await runMigrations()
const auth = peer.betterAuth(options)
const context = await auth.$context
handle = peer.toNodeHandler(auth)
seed = async (emails) => {
  for (const email of emails) {
    await context.internalAdapter.createUser({ email, name: '', emailVerified: false }, { method: 'email-otp' })
    await auth.api.createVerificationOTP({ body: { email, type: 'sign-in' } })
  }
}

process.stdout.write(`better-auth ${version} peer listening on ${baseURL}\n`)
const stop = () => {
  server.close(() => {
    sqlite.close()
    process.exit(0)
  })
  server.closeAllConnections()
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
