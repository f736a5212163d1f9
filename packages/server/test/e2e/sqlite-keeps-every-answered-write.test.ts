import { afterAll, describe, expect, it } from 'vitest'
import { call, createAppWithKey, LIMITS_OUT_OF_THE_WAY } from './helpers/api.js'
import { cleanupTempDirs, freshDataDir, killAll, secretsForTest, startServer } from './helpers/start-server.js'

// On SQLite the writes of one turn of the event loop are committed together
// (group commit, docs/decisions.md). The promise that makes safe: no request
// is answered before its writes are committed. Here a server on its embedded
// default is SIGKILLed in the middle of a load of starts and checks; after a
// restart on the same data folder, every verification it answered 201 exists
// with the record of its send, every wrong guess it answered 400 is counted,
// every check it answered 200 is approved, and every token it handed out is
// active.

afterAll(async () => {
  await killAll()
  cleanupTempDirs()
})

const CODE = '246810'
const WRONG_CODE = '135791'
/** Limits out of the way: only the kill may stop a request here. */
const SETTINGS = {
  allow_custom_code: true,
  channels: { email: { resend_cooldown_seconds: 0 } },
  limits: LIMITS_OUT_OF_THE_WAY,
}

describe('SQLite under a SIGKILL', () => {
  it('keeps every verification, approval and token the server answered before it died', async () => {
    const secrets = secretsForTest()
    const env = { ...secrets, TESSERA_DATA_DIR: freshDataDir(), NODE_ENV: 'test', TESSERA_DELIVERY: 'null' }
    const server = await startServer({ env })
    const { key } = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Crash Co', SETTINGS)

    const started: string[] = []
    /** Verifications whose wrong guess was answered: the attempt it used must have been committed first. */
    const counted: string[] = []
    const approved: { id: string; token: string }[] = []
    let killed = false
    let next = 0
    const loop = async () => {
      while (!killed) {
        try {
          const start = await call(server.url, 'POST', '/v1/verifications', {
            key,
            body: { channel: 'email', to: `person${next++}@example.com`, custom_code: CODE },
          })
          if (start.status !== 201) throw new Error(`start answered ${start.status}: ${JSON.stringify(start.body)}`)
          const id: string = start.body.verification_id
          started.push(id)
          const wrong = await call(server.url, 'POST', '/v1/verifications/verify', {
            key,
            body: { verification_id: id, verification_code: WRONG_CODE },
          })
          if (wrong.status !== 400)
            throw new Error(`a wrong code answered ${wrong.status}: ${JSON.stringify(wrong.body)}`)
          counted.push(id)
          const check = await call(server.url, 'POST', '/v1/verifications/verify', {
            key,
            body: { verification_id: id, verification_code: CODE },
          })
          if (check.status !== 200) throw new Error(`verify answered ${check.status}: ${JSON.stringify(check.body)}`)
          approved.push({ id, token: check.body.verification_token })
        } catch (error) {
          // Only the kill may cut a request off (a refused connection, a reset).
          if (!killed) throw error
        }
      }
    }
    const loops = Array.from({ length: 16 }, loop)
    // Until a fair number of writes were answered, bounded in time.
    const deadline = Date.now() + 20_000
    while (approved.length < 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    killed = true
    server.child.kill('SIGKILL')
    await server.exited
    await Promise.all(loops)
    expect(server.child.signalCode).toBe('SIGKILL')
    expect(approved.length).toBeGreaterThanOrEqual(200)

    const restarted = await startServer({ env })
    try {
      const approvedIds = new Set(approved.map((entry) => entry.id))
      const countedIds = new Set(counted)
      for (const id of started) {
        const read = await call(restarted.url, 'GET', `/v1/verifications/${id}`, { key })
        expect(read.status, id).toBe(200)
        // The send's record too: a start is answered after the commit that holds its delivery attempt.
        expect(read.body.deliveries, id).toMatchObject([{ provider: 'null', status: 'sent' }])
        if (approvedIds.has(id)) expect(read.body.status, id).toBe('approved')
        // A guess is answered only once its attempt is committed: the wrong one, then the right one.
        if (countedIds.has(id)) expect(read.body.attempts, id).toBeGreaterThanOrEqual(1)
        if (approvedIds.has(id)) expect(read.body.attempts, id).toBe(2)
      }
      for (const { id, token } of approved) {
        const introspection = await call(restarted.url, 'POST', '/v1/tokens/verify', {
          key,
          body: { verification_token: token },
        })
        expect(introspection.body, id).toMatchObject({ active: true, verification_id: id })
      }
    } finally {
      await restarted.stop()
    }
  }, 90_000)
})
