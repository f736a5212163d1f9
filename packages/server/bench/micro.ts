// The unavoidable work of each scenario, timed in-process. The bench runs this
// file in a child process pinned to the server's core, and reads one JSON line
// (`MicroCosts`) from its standard output.
//
//   node packages/server/bin/run-ts.js packages/server/bench/micro.ts [--quick]

import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'

/** Seconds per operation. */
export interface MicroCosts {
  readonly ed25519Sign: number
  readonly hmacSha256: number
  readonly sqliteInsert: number
  readonly sqliteUpdate: number
  readonly sqliteSelect: number
}

/**
 * Runs `op(i)` for `iterations` calls, `rounds` times after one warm-up
 * round, and answers the median round's seconds per call.
 */
function timePerOp(op: (i: number) => void, iterations: number, rounds: number): number {
  let next = 0
  const round = () => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) op(next++)
    return Number(process.hrtime.bigint() - start) / 1e9 / iterations
  }
  round()
  const samples: number[] = []
  for (let r = 0; r < rounds; r++) samples.push(round())
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN
}

// A row shaped like Tessera's `verifications` row (same columns, the same
// secondary index): what one start or one issued token has to write.
const SCHEMA = `
  CREATE TABLE rows (
    id TEXT PRIMARY KEY, app_id TEXT NOT NULL, channel TEXT NOT NULL, identifier TEXT NOT NULL,
    scene TEXT NOT NULL, user_id TEXT, status TEXT NOT NULL, code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, sends INTEGER NOT NULL, max_sends INTEGER NOT NULL,
    resend_cooldown_seconds INTEGER NOT NULL, ttl_seconds INTEGER NOT NULL, last_sent_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, approved_at BIGINT,
    locale TEXT, client_ip TEXT, metadata TEXT
  );
  CREATE INDEX rows_app_id_created_at ON rows (app_id, created_at);
`

export function measureMicroCosts(quick: boolean): MicroCosts {
  const scale = quick ? 0.1 : 1
  const n = (count: number) => Math.max(200, Math.round(count * scale))
  const rounds = quick ? 3 : 5

  // Ed25519 over a JWT-sized signing input.
  const { privateKey } = generateKeyPairSync('ed25519')
  const signingInput = Buffer.from(randomBytes(220).toString('base64url'))
  const ed25519Sign = timePerOp(() => sign(null, signingInput, privateKey), n(2000), rounds)

  // HMAC-SHA256 of a code bound to a verification id (what start and check hash).
  const hmacKey = randomBytes(32)
  const hmacSha256 = timePerOp(
    (i) =>
      createHmac('sha256', hmacKey)
        .update(`ver_${i.toString(36).padStart(26, '0')}:123456`)
        .digest('base64url'),
    n(50_000),
    rounds,
  )

  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-micro-'))
  try {
    const db = new Database(join(dir, 'micro.db'))
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec(SCHEMA)
    const insert = db.prepare(
      `INSERT INTO rows VALUES (?, 'app_bench', 'email', ?, 'verify-identifier', NULL, 'pending', ?,
        0, 5, 1, 20, 0, 600, ?, ?, ?, ?, NULL, NULL, NULL, NULL)`,
    )
    const idOf = (i: number) => `ver_${i.toString(36).padStart(26, '0')}`
    const codeHash = randomBytes(32).toString('base64url')
    const now = Date.now()
    const sqliteInsert = timePerOp(
      (i) => insert.run(idOf(i), `user-${i}@bench.example`, codeHash, now, now + 600_000, now, now),
      n(10_000),
      rounds,
    )
    const inserted = (n(10_000) * (rounds + 1)) | 0
    // The conditional update of a check: flip a pending row by primary key, once per row.
    const update = db.prepare(
      `UPDATE rows SET status = 'approved', attempts = attempts + 1, approved_at = ?, updated_at = ?
        WHERE id = ? AND status = 'pending' AND code_hash = ?`,
    )
    const sqliteUpdate = timePerOp(
      (i) => {
        const result = update.run(now, now, idOf(i % inserted), codeHash)
        if (result.changes !== 1 && i < inserted) throw new Error('micro: the conditional UPDATE matched no row')
      },
      Math.min(n(10_000), Math.floor(inserted / (rounds + 1))),
      rounds,
    )
    const select = db.prepare('SELECT * FROM rows WHERE id = ?')
    const sqliteSelect = timePerOp(
      (i) => {
        if (select.get(idOf(i % inserted)) === undefined) throw new Error('micro: the SELECT found no row')
      },
      n(20_000),
      rounds,
    )
    db.close()
    return { ed25519Sign, hmacSha256, sqliteInsert, sqliteUpdate, sqliteSelect }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && /micro\.ts$/.test(process.argv[1])) {
  const costs = measureMicroCosts(process.argv.includes('--quick'))
  process.stdout.write(`${JSON.stringify(costs)}\n`)
}
