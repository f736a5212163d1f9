import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, metricsAddressOf, publicUrlOf } from './load-config.js'

const GOOD_SECRET = 'a-server-secret-of-enough-length-0123456789'

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`expected ${JSON.stringify(Object.keys(env))} to be refused`)
}

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-config-test-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

function writeConfigFile(content: unknown): string {
  const path = join(dir, 'tessera.json')
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

describe('loadConfig defaults', () => {
  it('answers the documented defaults for an empty environment', () => {
    const config = loadConfig({})
    expect(config.port).toBe(8080)
    expect(config.host).toBe('127.0.0.1')
    expect(config.dataDir).toBe('./data')
    expect(config.logLevel).toBe('info')
    expect(config.nodeEnv).toBe('development')
    expect(config.secret).toBeUndefined()
    expect(config.delivery).toBeUndefined()
  })

  it('treats empty variables as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '', LOG_LEVEL: '', TESSERA_SECRET: '' })
    expect(config.port).toBe(8080)
    expect(config.host).toBe('127.0.0.1')
    expect(config.logLevel).toBe('info')
    expect(config.secret).toBeUndefined()
  })

  it('ignores environment variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root' }).port).toBe(8080)
  })
})

describe('loadConfig environment', () => {
  it('reads each variable into its key', () => {
    const config = loadConfig({
      PORT: '9090',
      HOST: '0.0.0.0',
      TESSERA_DATA_DIR: '/var/lib/tessera',
      LOG_LEVEL: 'debug',
      TESSERA_SECRET: GOOD_SECRET,
      TESSERA_ADMIN_KEY: 'tadm_0123456789abcdefghijklmnop',
      TESSERA_PUBLIC_URL: 'https://verify.example.com',
      TESSERA_SMTP_URL: 'smtp://user:pass@mail.example.com:587',
      TESSERA_EMAIL_FROM: 'Acme <no-reply@example.com>',
      NODE_ENV: 'production',
    })
    expect(config).toMatchObject({
      port: 9090,
      host: '0.0.0.0',
      dataDir: '/var/lib/tessera',
      logLevel: 'debug',
      secret: GOOD_SECRET,
      adminKey: 'tadm_0123456789abcdefghijklmnop',
      publicUrl: 'https://verify.example.com',
      smtpUrl: 'smtp://user:pass@mail.example.com:587',
      emailFrom: 'Acme <no-reply@example.com>',
      nodeEnv: 'production',
    })
  })

  it('accepts the port range edges', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0)
    expect(loadConfig({ PORT: '65535' }).port).toBe(65_535)
  })
})

describe('TESSERA_METRICS', () => {
  it.each([
    [undefined, 'on', undefined],
    ['off', 'off', undefined],
    ['0.0.0.0:9464', '0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
    ['[::1]:9464', '[::1]:9464', { host: '::1', port: 9464 }],
    ['metrics.internal:0', 'metrics.internal:0', { host: 'metrics.internal', port: 0 }],
  ])('%s: %s, own listener %j', (value, metrics, address) => {
    const config = loadConfig(value === undefined ? {} : { TESSERA_METRICS: value })
    expect(config.metrics).toBe(metrics)
    expect(metricsAddressOf(config)).toEqual(address)
  })
})

describe('loadConfig file (TESSERA_CONFIG)', () => {
  it('layers the file over the defaults and under the environment', () => {
    const path = writeConfigFile({ port: 9000, host: '10.0.0.1', logLevel: 'warn' })
    const config = loadConfig({ TESSERA_CONFIG: path, PORT: '9100' })
    expect(config.port).toBe(9100)
    expect(config.host).toBe('10.0.0.1')
    expect(config.logLevel).toBe('warn')
    expect(config.dataDir).toBe('./data')
  })

  it('refuses an unknown key in the file', () => {
    const error = configError({ TESSERA_CONFIG: writeConfigFile({ port: 9000, prot: 9001 }) })
    expect(error.message).toContain('TESSERA_CONFIG')
    expect(error.message).toContain('prot')
  })

  it('validates values from the file, naming the variable', () => {
    const error = configError({ TESSERA_CONFIG: writeConfigFile({ port: 'eighty' }) })
    expect(error.message).toContain('PORT')
  })

  it('refuses a file that is missing, not JSON, or not an object', () => {
    expect(configError({ TESSERA_CONFIG: join(dir, 'missing.json') }).message).toMatch(/TESSERA_CONFIG: cannot read/)
    expect(configError({ TESSERA_CONFIG: writeConfigFile('{ port: 1 ') }).message).toMatch(/not valid JSON/)
    expect(configError({ TESSERA_CONFIG: writeConfigFile('[1, 2]') }).message).toMatch(/must hold a JSON object/)
  })
})

describe('loadConfig validation', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['LOG_LEVEL', 'loud'],
    ['TESSERA_SECRET', 'too-short'],
    ['TESSERA_ADMIN_KEY', 'short-admin-key'],
    ['TESSERA_PUBLIC_URL', 'ftp://example.com'],
    ['TESSERA_SMTP_URL', 'http://mail.example.com'],
    ['TESSERA_DELIVERY', 'carrier-pigeon'],
    ['TESSERA_METRICS', 'yes'],
    ['TESSERA_METRICS', '9464'],
    ['TESSERA_METRICS', '127.0.0.1:70000'],
    ['TESSERA_METRICS', 'http://127.0.0.1:9464'],
    ['LOG_FORMAT', 'xml'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    const error = configError({ [name]: value })
    expect(error.message).toMatch(/^CONFIG_INVALID: /)
    expect(error.message).toContain(name)
    expect(error.issues.some((issue) => issue.startsWith(`${name}:`))).toBe(true)
  })

  it('reports every bad value in one error', () => {
    const error = configError({ PORT: 'abc', LOG_LEVEL: 'loud', TESSERA_SECRET: 'short', HOST: '::1' })
    expect(error.message).toContain('PORT')
    expect(error.message).toContain('LOG_LEVEL')
    expect(error.message).toContain('TESSERA_SECRET')
    expect(error.message).not.toContain('HOST')
    expect(error.issues.filter((issue) => issue.startsWith('PORT:'))).toHaveLength(1)
  })

  it('shows a bad non-secret value so the operator can see the typo', () => {
    expect(configError({ LOG_LEVEL: 'loud' }).message).toContain('loud')
    expect(configError({ PORT: '70000' }).message).toContain('70000')
  })

  it('never puts a secret value in the message', () => {
    const secrets = {
      TESSERA_SECRET: 'hunter2-secret',
      TESSERA_ADMIN_KEY: 'hunter3-admin',
      TESSERA_SMTP_URL: 'ftp://mailer:hunter4-smtp@mail.example.com',
      TESSERA_SMS_WEBHOOK_SECRET: 'hunter5-hook',
    }
    const error = configError({ ...secrets, PORT: 'abc' })
    for (const [name, value] of Object.entries(secrets)) {
      expect(error.message).toContain(name)
      expect(error.message).not.toContain(value)
      expect(error.message).not.toContain(value.split('-')[0] ?? value)
    }
    expect(error.message).not.toContain('hunter')
  })

  it('never puts a secret value from the file in the message', () => {
    const error = configError({ TESSERA_CONFIG: writeConfigFile({ secret: 'hunter6-short', adminKey: 12345 }) })
    expect(error.message).toContain('TESSERA_SECRET')
    expect(error.message).not.toContain('hunter6')
    expect(error.message).not.toContain('12345')
  })

  it('requires TESSERA_SECRET when NODE_ENV=production', () => {
    const error = configError({ NODE_ENV: 'production' })
    expect(error.issues).toEqual(['TESSERA_SECRET: required when NODE_ENV=production'])
    expect(loadConfig({ NODE_ENV: 'production', TESSERA_SECRET: GOOD_SECRET }).secret).toBe(GOOD_SECRET)
  })

  it.each(['development', 'production', 'staging'])('refuses TESSERA_DELIVERY=null with NODE_ENV=%s', (nodeEnv) => {
    const error = configError({ TESSERA_DELIVERY: 'null', NODE_ENV: nodeEnv, TESSERA_SECRET: GOOD_SECRET })
    expect(error.message).toContain('TESSERA_DELIVERY')
  })

  it('refuses TESSERA_DELIVERY=null when NODE_ENV is unset', () => {
    expect(configError({ TESSERA_DELIVERY: 'null' }).message).toContain('TESSERA_DELIVERY')
  })

  it.each(['test', 'bench'])('allows TESSERA_DELIVERY=null with NODE_ENV=%s', (nodeEnv) => {
    expect(loadConfig({ TESSERA_DELIVERY: 'null', NODE_ENV: nodeEnv }).delivery).toBe('null')
  })

  it('requires TESSERA_EMAIL_FROM with TESSERA_SMTP_URL', () => {
    const error = configError({ TESSERA_SMTP_URL: 'smtp://mail.example.com' })
    expect(error.message).toContain('TESSERA_EMAIL_FROM')
    expect(
      loadConfig({ TESSERA_SMTP_URL: 'smtp://mail.example.com', TESSERA_EMAIL_FROM: 'no-reply@example.com' }).emailFrom,
    ).toBe('no-reply@example.com')
  })

  it('requires TESSERA_SMS_WEBHOOK_SECRET with TESSERA_SMS_WEBHOOK_URL', () => {
    const error = configError({ TESSERA_SMS_WEBHOOK_URL: 'http://127.0.0.1:9999/sms' })
    expect(error.message).toContain('TESSERA_SMS_WEBHOOK_SECRET')
  })

  it('reports every cross-field problem at once', () => {
    const error = configError({ NODE_ENV: 'production', TESSERA_DELIVERY: 'null', TESSERA_SMTP_URL: 'smtp://x' })
    expect(error.issues).toHaveLength(3)
  })
})

describe('loadConfig result', () => {
  it('is frozen', () => {
    const config = loadConfig({ PORT: '9090' })
    expect(Object.isFrozen(config)).toBe(true)
    expect(() => {
      ;(config as { port: number }).port = 1
    }).toThrow(TypeError)
    expect(config.port).toBe(9090)
  })

  it('does not change the environment object it was given', () => {
    const env = { PORT: '9090', LOG_LEVEL: 'warn' }
    loadConfig(env)
    expect(env).toEqual({ PORT: '9090', LOG_LEVEL: 'warn' })
  })
})

describe('publicUrlOf', () => {
  it('uses TESSERA_PUBLIC_URL without a trailing slash', () => {
    expect(publicUrlOf(loadConfig({ TESSERA_PUBLIC_URL: 'https://verify.example.com/' }))).toBe(
      'https://verify.example.com',
    )
  })

  it('falls back to where the server listens, with a reachable host for wildcard binds', () => {
    expect(publicUrlOf(loadConfig({ PORT: '9090' }))).toBe('http://127.0.0.1:9090')
    expect(publicUrlOf(loadConfig({ HOST: '0.0.0.0' }), 4321)).toBe('http://127.0.0.1:4321')
    expect(publicUrlOf(loadConfig({ HOST: '::1' }), 4321)).toBe('http://[::1]:4321')
  })
})
