import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from './load-config.js'
import { resolveServerSecrets } from './server-secrets.js'

let root: string
let dataDir: string
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tessera-secrets-test-'))
  // A folder that does not exist yet: the first start creates it.
  dataDir = join(root, 'nested', 'data')
})
afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

const modeOf = (path: string) => statSync(path).mode & 0o777

describe('resolveServerSecrets', () => {
  it('generates the secret and admin key into the data dir with mode 0600', () => {
    const secrets = resolveServerSecrets(loadConfig({ TESSERA_DATA_DIR: dataDir }))
    const secretPath = join(dataDir, 'secret')
    const adminKeyPath = join(dataDir, 'admin-key')
    expect(modeOf(secretPath)).toBe(0o600)
    expect(modeOf(adminKeyPath)).toBe(0o600)
    expect(readFileSync(secretPath, 'utf8').trim()).toBe(secrets.secret)
    expect(readFileSync(adminKeyPath, 'utf8').trim()).toBe(secrets.adminKey)
    expect(secrets.secret.length).toBeGreaterThanOrEqual(32)
    expect(secrets.adminKey).toMatch(/^tadm_[A-Za-z0-9_-]{43}$/)
    expect(secrets.secret).not.toBe(secrets.adminKey)
    expect(secrets.adminKeyGenerated).toBe(true)
  })

  it('reuses the files on the next start', () => {
    const config = loadConfig({ TESSERA_DATA_DIR: dataDir })
    const first = resolveServerSecrets(config)
    const second = resolveServerSecrets(config)
    expect(second.secret).toBe(first.secret)
    expect(second.adminKey).toBe(first.adminKey)
    expect(second.adminKeyGenerated).toBe(false)
    expect(modeOf(join(dataDir, 'secret'))).toBe(0o600)
  })

  it('generates different values for different installs', () => {
    const a = resolveServerSecrets(loadConfig({ TESSERA_DATA_DIR: join(root, 'a') }))
    const b = resolveServerSecrets(loadConfig({ TESSERA_DATA_DIR: join(root, 'b') }))
    expect(a.secret).not.toBe(b.secret)
    expect(a.adminKey).not.toBe(b.adminKey)
  })

  it('warns that TESSERA_SECRET is unset, naming the file but not the value', () => {
    const secrets = resolveServerSecrets(loadConfig({ TESSERA_DATA_DIR: dataDir }))
    expect(secrets.warnings.join('\n')).toContain('TESSERA_SECRET')
    expect(secrets.warnings.join('\n')).toContain(join(dataDir, 'secret'))
    for (const warning of secrets.warnings) {
      expect(warning).not.toContain(secrets.secret)
      expect(warning).not.toContain(secrets.adminKey)
    }
  })

  it('uses configured values and writes no files', () => {
    const secret = 'a-configured-server-secret-0123456789'
    const adminKey = 'tadm_configured_admin_key_0123456789'
    const secrets = resolveServerSecrets(
      loadConfig({ TESSERA_DATA_DIR: dataDir, TESSERA_SECRET: secret, TESSERA_ADMIN_KEY: adminKey }),
    )
    expect(secrets.secret).toBe(secret)
    expect(secrets.adminKey).toBe(adminKey)
    expect(secrets.adminKeyGenerated).toBe(false)
    expect(secrets.warnings).toEqual([])
    expect(existsSync(join(dataDir, 'secret'))).toBe(false)
    expect(existsSync(join(dataDir, 'admin-key'))).toBe(false)
  })

  it('prefers a configured secret over one already generated on disk', () => {
    const generated = resolveServerSecrets(loadConfig({ TESSERA_DATA_DIR: dataDir }))
    const secret = 'a-configured-server-secret-0123456789'
    const secrets = resolveServerSecrets(loadConfig({ TESSERA_DATA_DIR: dataDir, TESSERA_SECRET: secret }))
    expect(secrets.secret).toBe(secret)
    expect(secrets.adminKey).toBe(generated.adminKey)
  })
})
