import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateSecret } from '../crypto/secrets.js'
import type { Config } from './config-schema.js'
import { ensurePrivateDir, PRIVATE_FILE_MODE, restrictMode } from './private-files.js'

export interface ServerSecrets {
  readonly secret: string
  readonly adminKey: string
  /** True when the admin key came from a file this run created: the banner shows it once in full. */
  readonly adminKeyGenerated: boolean
  /** Warnings for the start-up log (no secret values in them), including modes tightened on the data dir's files. */
  readonly warnings: readonly string[]
  /**
   * What this call made anew instead of finding: the data folder, the secret file, the admin key file (paths
   * only). A CLI command run from another folder than the server's makes its own, so it says so.
   */
  readonly created: readonly string[]
}

/**
 * The server secret and admin key: from configuration when set, else read
 * from (or generated once into) the data dir (0700) with mode 0600, so a
 * development install keeps working across restarts. A folder or file left
 * open to other users by an older version is tightened, with a warning.
 */
export function resolveServerSecrets(config: Config): ServerSecrets {
  const warnings: string[] = []
  const created: string[] = []
  const usesDataDir = !config.secret || !config.adminKey || config.databaseUrl === undefined
  if (usesDataDir && !existsSync(config.dataDir)) created.push(`data folder ${config.dataDir}`)
  const note = (line: string | undefined) => {
    if (line !== undefined) warnings.push(line)
  }
  const fromFile = (name: string, make: () => string): { value: string; created: boolean } => {
    const path = join(config.dataDir, name)
    note(ensurePrivateDir(config.dataDir))
    if (existsSync(path)) {
      note(restrictMode(path, PRIVATE_FILE_MODE))
      return { value: readFileSync(path, 'utf8').trim(), created: false }
    }
    const value = make()
    writeFileSync(path, `${value}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' })
    // The open's mode is masked by the umask; chmod sets it exactly.
    chmodSync(path, PRIVATE_FILE_MODE)
    created.push(`${name === 'secret' ? 'server secret' : 'admin key'} ${path}`)
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
  return { secret, adminKey, adminKeyGenerated, warnings, created }
}
