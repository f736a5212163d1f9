// The peer's scenarios: better-auth's email OTP, `start` (send a sign-in OTP)
// and `verify-ok` (check the right OTP without signing in or creating a
// session: /email-otp/check-verification-otp).

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startCpuShare } from './cpu-share.js'
import { describe, postJson } from './http-client.js'
import { bodySlack, runLoad } from './load.js'
import type { BenchOptions } from './options.js'
import { PEER_OTP, preparePeer } from './peer.js'
import { BENCH_DIR, RUN_TS, type RunningServer, startServer } from './processes.js'
import type { ScenarioOutcome } from './tessera.js'

export interface PeerRun {
  readonly version: string
  readonly outcomes: readonly ScenarioOutcome[]
}

const SEED_BATCH = 250

export async function runPeer(options: BenchOptions, tag: string, log: (line: string) => void): Promise<PeerRun> {
  const { dir, version } = await preparePeer(log)
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-peer-data-'))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PEER_DIR: dir,
    PEER_DATA: dataDir,
    PORT: '0',
    NODE_ENV: 'production',
    BETTER_AUTH_TELEMETRY: '0',
  }
  const server: RunningServer = await startServer(
    `better-auth ${version}`,
    [RUN_TS, resolve(BENCH_DIR, 'peer-server.ts')],
    env,
  )
  try {
    const warmup = Math.min(options.warmup, Math.max(options.connections, Math.floor(options.peerRequests / 5)))
    const run = async (name: string, path: string, body: (k: number) => string): Promise<ScenarioOutcome> => {
      let next = 0
      const take = () => body(next++)
      const base = { url: server.url, path, body: take, connections: options.connections, expectStatus: 200 }
      const warm = await runLoad({ ...base, title: `better-auth ${name} (warm-up)`, count: warmup })
      if (warm.errors > 0) log(`  better-auth ${name} warm-up: statuses ${JSON.stringify(warm.statuses)}`)
      const measure = startCpuShare(server.pid)
      const result = await runLoad({ ...base, title: `better-auth ${name}`, count: options.peerRequests })
      const cpu = measure()
      log(
        `  better-auth ${name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.errors} errors ${JSON.stringify(result.statuses)}`,
      )
      return { name, result, cpu }
    }

    log(`better-auth ${version} start…`)
    const start = await run('start', '/api/auth/email-otp/send-verification-otp', (k) =>
      JSON.stringify({ email: `peer-start-${tag}-${k}@bench.example`, type: 'sign-in' }),
    )

    log(`better-auth ${version} verify-ok…`)
    const count = warmup + options.peerRequests + 2 * bodySlack(options.connections)
    const emails = Array.from({ length: count }, (_, k) => `peer-verify-${tag}-${k}@bench.example`)
    const seeded = Date.now()
    for (let i = 0; i < emails.length; i += SEED_BATCH) {
      const answer = await postJson(server.url, '/__bench/seed', { emails: emails.slice(i, i + SEED_BATCH) })
      if (answer.status !== 200) throw new Error(`seeding users and OTPs: ${describe(answer)}`)
    }
    log(`  prepared ${count} users with a sign-in OTP in ${((Date.now() - seeded) / 1000).toFixed(1)} s (not timed)`)
    const verify = await run('verify-ok', '/api/auth/email-otp/check-verification-otp', (k) =>
      JSON.stringify({ email: emails[k] ?? `missing-${k}@bench.example`, type: 'sign-in', otp: PEER_OTP }),
    )
    return { version, outcomes: [start, verify] }
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
