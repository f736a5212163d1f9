import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTessera, type Tessera } from '../../app.js'
import { loadConfig } from '../../config/load-config.js'
import { runCli } from '../main.js'

let dataDir: string
let env: Record<string, string>
let server: Tessera

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-keys-'))
  env = {
    NODE_ENV: 'test',
    TESSERA_DATA_DIR: dataDir,
    TESSERA_SECRET: `sec-${randomBytes(32).toString('base64url')}`,
    TESSERA_ADMIN_KEY: `adm-${randomBytes(32).toString('base64url')}`,
  }
  // A running server on the same data folder (no port: its answers are read with inject).
  server = await createTessera({
    config: loadConfig(env),
    secret: env.TESSERA_SECRET ?? '',
    adminKey: env.TESSERA_ADMIN_KEY ?? '',
    logger: pino({ level: 'silent' }),
    // The CLI below opens the same SQLite file in this same process: a background writer here (the webhook
    // dispatcher's transactions) would hold the file's lock while the CLI's synchronous write waits on it.
    dispatchWebhooks: false,
  })
})
afterEach(async () => {
  await server.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  // As node passes them: the interpreter and the script first.
  const code = await runCli(['node', 'tessera', ...args], {
    env,
    out: (text) => {
      out.push(text)
    },
    err: (text) => {
      err.push(text)
    },
  })
  return { code, out: out.join(''), err: err.join('') }
}

const served = async () =>
  (await server.server.inject({ method: 'GET', url: '/.well-known/jwks.json' }))
    .json<{ keys: { kid: string }[] }>()
    .keys.map((key) => key.kid)

/** @see issue 13, part 6: `tessera signing-keys list|rotate|revoke`. */
describe('tessera signing-keys', () => {
  it('lists, rotates (also as rotate-signing-key) and revokes; the running server’s JWKS follows at once', async () => {
    const [first] = await served()
    const listed = await cli('signing-keys', 'list', '--json')
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.out).keys).toEqual([
      expect.objectContaining({ kid: first, status: 'active', published: true }),
    ])

    const rotated = await cli('signing-keys', 'rotate', '--json')
    expect(rotated.code).toBe(0)
    const second = JSON.parse(rotated.out).kid as string
    const alias = await cli('rotate-signing-key')
    expect(alias.code).toBe(0)
    const third = /new signing key: (sk_\w+)/.exec(alias.out)?.[1]
    expect(third).toBeDefined()
    expect((await served()).sort()).toEqual([first, second, third].sort())

    const revoked = await cli('signing-keys', 'revoke', first ?? '')
    expect(revoked.code).toBe(0)
    expect(revoked.out).toBe(`revoked signing key: ${first}\n`)
    expect(await served()).not.toContain(first)

    // The active key: a new one is made first, and the server signs with it once it notices.
    const activeRevoked = await cli('signing-keys', 'revoke', third ?? '', '--json')
    expect(activeRevoked.code).toBe(0)
    const replacedBy = JSON.parse(activeRevoked.out).replaced_by as string
    expect(await served()).toEqual([replacedBy, second])

    const text = await cli('signing-keys', 'list')
    expect(text.out).toMatch(new RegExp(`${first}\\s+revoked`))
    expect(text.out).toMatch(new RegExp(`${replacedBy}\\s+active`))
  })

  it('exits 1 with a message for an unknown or already revoked kid', async () => {
    const unknown = await cli('signing-keys', 'revoke', 'sk_unknown')
    expect(unknown.code).toBe(1)
    expect(unknown.err).toContain('No such signing key')
  })
})
