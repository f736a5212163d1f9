import type { Command } from 'commander'
import type { Tessera } from '../../app.js'
import type { SigningKeySummary } from '../../core/signing-key-ring.js'
import { AppError } from '../../errors/app-error.js'
import { type CliIo, loadForCli, withTessera } from '../context.js'

type SetExit = (code: Promise<number>) => void

/** Runs one command against the configured database; an AppError is printed and exits 1. */
function run(io: CliIo, setExit: SetExit, work: (tessera: Tessera) => Promise<number>): void {
  setExit(
    (async () => {
      const loaded = loadForCli(io, { logLevel: 'warn', oneShot: true })
      if (!loaded) return 1
      try {
        return await withTessera(loaded, work)
      } catch (error) {
        if (error instanceof AppError) {
          io.err(`tessera: ${error.message}\n`)
          return 1
        }
        throw error
      }
    })(),
  )
}

const isoOrDash = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString())

function jsonOf(key: SigningKeySummary) {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    status: key.status,
    published: key.published,
    created_at: new Date(key.createdAt).toISOString(),
    retired_at: key.retiredAt === null ? null : new Date(key.retiredAt).toISOString(),
    revoked_at: key.revokedAt === null ? null : new Date(key.revokedAt).toISOString(),
  }
}

/** `tessera rotate-signing-key` and `tessera signing-keys rotate`: one action under two names. */
export function rotateSigningKey(io: CliIo, setExit: SetExit, options: { json?: boolean }): void {
  run(io, setExit, async (tessera) => {
    const kid = await tessera.keyRing.rotate()
    io.out(options.json ? `${JSON.stringify({ kid })}\n` : `new signing key: ${kid}\n`)
    return 0
  })
}

/**
 * `tessera signing-keys list|rotate|revoke <kid>`. The CLI works on the
 * database directly; running servers notice a revocation at once in their
 * JWKS and introspection answers, and stop signing with the key within seconds.
 */
export function registerSigningKeys(program: Command, io: CliIo, setExit: SetExit): void {
  const keys = program.command('signing-keys').description('manage the keys that sign verification tokens')

  keys
    .command('list')
    .description('list signing keys, newest first')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(io, setExit, async (tessera) => {
        const list = await tessera.keyRing.list()
        if (options.json) {
          io.out(`${JSON.stringify({ keys: list.map(jsonOf) })}\n`)
          return 0
        }
        const lines = list.map(
          (key) =>
            `${key.kid}  ${key.status.padEnd(7)}  ${key.published ? 'published' : '-        '}  created ${isoOrDash(key.createdAt)}  retired ${isoOrDash(key.retiredAt)}  revoked ${isoOrDash(key.revokedAt)}`,
        )
        io.out(`${lines.join('\n')}\n`)
        return 0
      }),
    )

  keys
    .command('rotate')
    .description('sign new tokens with a fresh key (old keys stay in the JWKS while their tokens live)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => rotateSigningKey(io, setExit, options))

  keys
    .command('revoke <kid>')
    .description('withdraw a key now: it leaves the JWKS and its tokens are refused (the active key is replaced first)')
    .option('--json', 'print JSON')
    .action((kid: string, options: { json?: boolean }) =>
      run(io, setExit, async (tessera) => {
        const revoked = await tessera.keyRing.revoke(kid)
        io.out(
          options.json
            ? `${JSON.stringify({ kid: revoked.kid, revoked_at: new Date(revoked.revokedAt).toISOString(), replaced_by: revoked.replacedBy })}\n`
            : `revoked signing key: ${revoked.kid}\n${revoked.replacedBy ? `new signing key: ${revoked.replacedBy}\n` : ''}`,
        )
        return 0
      }),
    )
}
