import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateSecret } from '../core/secrets.js'
import type { Config } from './config-schema.js'

export interface ServerSecrets {
  readonly secret: string
  readonly adminKey: string
  /** True when the admin key came from a file this run created: the banner shows it once in full. */
  readonly adminKeyGenerated: boolean
  /** Warnings for the start-up log (no secret values in them). */
  readonly warnings: readonly string[]
}

/**
 * The server secret and admin key: from configuration when set, else read
 * from (or generated once into) the data dir with mode 0600, so a development
 * install keeps working across restarts.
 */
export function resolveServerSecrets(config: Config): ServerSecrets {
  const warnings: string[] = []
  const fromFile = (name: string, make: () => string): { value: string; created: boolean } => {
    const path = join(config.dataDir, name)
    if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), created: false }
    mkdirSync(config.dataDir, { recursive: true })
    const value = make()
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' })
    chmodSync(path, 0o600)
    return { value, created: true }
  }

  let secret = config.secret
  if (!secret) {
    const file = fromFile('secret', () => generateSecret(48))
    secret = file.value
    warnings.push(
      `TESSERA_SECRET is not set: using ${join(config.dataDir, 'secret')}${file.created ? ' (generated now)' : ''}. Set TESSERA_SECRET in production.`,
    )
  }
  let adminKey = config.adminKey
  let adminKeyGenerated = false
  if (!adminKey) {
    const file = fromFile('admin-key', () => `tadm_${generateSecret(32)}`)
    adminKey = file.value
    adminKeyGenerated = file.created
  }
  return { secret, adminKey, adminKeyGenerated, warnings }
}
