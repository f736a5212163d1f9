import { readFileSync } from 'node:fs'
import { Value } from '@sinclair/typebox/value'
import { type Config, type ConfigKey, ConfigSchema } from './config-schema.js'

/** Start-up stops with this; its message names every bad variable. */
export class ConfigError extends Error {
  readonly issues: readonly string[]
  constructor(issues: readonly string[]) {
    super(`CONFIG_INVALID: ${issues.join('; ')}`)
    this.name = 'ConfigError'
    this.issues = issues
  }
}

/** The environment variable naming the optional JSON configuration file. */
export const CONFIG_FILE_VARIABLE = 'TESSERA_CONFIG'

interface PropertyMeta {
  env?: string
  type?: string
  secret?: boolean
  anyOf?: Array<{ type?: string }>
}

const properties = ConfigSchema.properties as Record<ConfigKey, PropertyMeta>

/** The environment variable behind each key, for messages and docs. */
export function envNameOf(key: ConfigKey): string {
  return properties[key].env ?? key
}

export function isSecretKey(key: ConfigKey): boolean {
  return properties[key].secret === true
}

/** Whether the key's variable reads `true`/`false` as a boolean. */
export function acceptsBoolean(key: ConfigKey): boolean {
  const meta = properties[key]
  return meta.type === 'boolean' || (meta.anyOf ?? []).some((option) => option.type === 'boolean')
}

function readFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError([
      `${CONFIG_FILE_VARIABLE}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ])
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ConfigError([`${CONFIG_FILE_VARIABLE}: ${path} is not valid JSON`])
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${CONFIG_FILE_VARIABLE}: ${path} must hold a JSON object`])
  }
  return parsed as Record<string, unknown>
}

/**
 * Layers defaults < file (TESSERA_CONFIG) < environment, validates the whole,
 * reports every problem at once, and freezes the result. The only reader of
 * process.env is the caller that passes `env` in.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const file = env[CONFIG_FILE_VARIABLE]
  const raw: Record<string, unknown> = file ? readFile(file) : {}
  const issues: string[] = []

  for (const key of Object.keys(raw)) {
    if (!(key in properties)) issues.push(`${CONFIG_FILE_VARIABLE}: unknown key "${key}"`)
  }
  for (const [key, meta] of Object.entries(properties) as [ConfigKey, PropertyMeta][]) {
    const value = meta.env ? env[meta.env] : undefined
    if (value === undefined || value === '') continue
    if (meta.type === 'integer') {
      raw[key] = /^-?\d+$/.test(value.trim()) ? Number(value) : value
    } else if (meta.type === 'array') {
      try {
        raw[key] = JSON.parse(value)
      } catch {
        issues.push(`${meta.env}: must be a JSON list`)
      }
    } else if (acceptsBoolean(key) && (value === 'true' || value === 'false')) {
      raw[key] = value === 'true'
    } else {
      raw[key] = value
    }
  }
  if (issues.length > 0) throw new ConfigError(issues)

  const candidate = Value.Default(ConfigSchema, raw) as Record<string, unknown>
  for (const error of Value.Errors(ConfigSchema, candidate)) {
    const key = error.path.split('/')[1] as ConfigKey | undefined
    const name = key && key in properties ? envNameOf(key) : error.path
    const shown = key && isSecretKey(key) ? '' : ` (got ${JSON.stringify(error.value)})`
    issues.push(`${name}: ${error.message}${shown}`)
  }
  if (issues.length > 0) throw new ConfigError(dedupe(issues))

  const config = candidate as Config
  if (config.nodeEnv === 'production' && !config.secret) {
    issues.push('TESSERA_SECRET: required when NODE_ENV=production')
  }
  if (config.delivery === 'null' && config.nodeEnv !== 'test' && config.nodeEnv !== 'bench') {
    issues.push('TESSERA_DELIVERY: "null" is only allowed when NODE_ENV is test or bench')
  }
  if (config.smtpUrl && !config.emailFrom) issues.push('TESSERA_EMAIL_FROM: required when TESSERA_SMTP_URL is set')
  if (config.smsWebhookUrl && !config.smsWebhookSecret) {
    issues.push('TESSERA_SMS_WEBHOOK_SECRET: required when TESSERA_SMS_WEBHOOK_URL is set')
  }
  if (
    config.databaseUrl &&
    !/^postgres(ql)?:\/\/.+/.test(config.databaseUrl) &&
    !config.databaseUrl.startsWith('sqlite:') &&
    config.databaseUrl !== ':memory:'
  ) {
    issues.push('DATABASE_URL: must be postgres://…, postgresql://…, sqlite:<path> or :memory:')
  }
  const metricsAddress = metricsAddressOf(config)
  if (metricsAddress && metricsAddress.port > 65_535) {
    issues.push(`TESSERA_METRICS: the port must be 0–65535 (got ${JSON.stringify(config.metrics)})`)
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return Object.freeze(config)
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)]
}

/** The external base URL: TESSERA_PUBLIC_URL, or where the server listens. */
export function publicUrlOf(config: Config, listeningPort = config.port): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '')
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${listeningPort}`
}

/** Where metrics get a listener of their own (`TESSERA_METRICS=host:port`); undefined for `on` and `off`. */
export function metricsAddressOf(config: Config): { readonly host: string; readonly port: number } | undefined {
  if (config.metrics === 'on' || config.metrics === 'off') return undefined
  const separator = config.metrics.lastIndexOf(':')
  const host = config.metrics.slice(0, separator).replace(/^\[(.*)\]$/, '$1')
  return { host, port: Number(config.metrics.slice(separator + 1)) }
}
