import { type Static, Type } from '@sinclair/typebox'

/**
 * The whole configuration, one typed object. Each key names the environment
 * variable that sets it (`env`), a default, and whether it is a secret (then
 * it is never printed). A JSON file named by TESSERA_CONFIG may set the same
 * keys; the environment wins over the file.
 */
/** One entry of a default provider chain; its provider checks the rest at start-up. */
const ProviderEntry = Type.Object(
  { type: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }) },
  { additionalProperties: true },
)

export const ConfigSchema = Type.Object(
  {
    port: Type.Integer({
      minimum: 0,
      maximum: 65_535,
      default: 8080,
      env: 'PORT',
      description: 'TCP port to listen on.',
    }),
    host: Type.String({ minLength: 1, default: '127.0.0.1', env: 'HOST', description: 'Interface to listen on.' }),
    publicUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s]+$',
        env: 'TESSERA_PUBLIC_URL',
        description: 'External base URL (token issuer, callback URLs). Default http://HOST:PORT.',
      }),
    ),
    dataDir: Type.String({
      minLength: 1,
      default: './data',
      env: 'TESSERA_DATA_DIR',
      description: 'Folder for the SQLite database and generated secrets.',
    }),
    databaseUrl: Type.Optional(
      Type.String({
        minLength: 1,
        env: 'DATABASE_URL',
        secret: true,
        description:
          'postgres://… for PostgreSQL; unset: SQLite in the data dir (`sqlite:<path>` or `:memory:` also accepted).',
      }),
    ),
    databasePoolSize: Type.Integer({
      minimum: 1,
      maximum: 200,
      default: 10,
      env: 'DATABASE_POOL_SIZE',
      description: 'PostgreSQL connections per instance.',
    }),
    redisUrl: Type.Optional(
      Type.String({
        pattern: '^rediss?://',
        env: 'REDIS_URL',
        secret: true,
        description: 'Redis for rate limits shared by all instances; unset: limits in process memory.',
      }),
    ),
    redisFailure: Type.Union([Type.Literal('reject'), Type.Literal('local')], {
      default: 'reject',
      env: 'TESSERA_REDIS_FAILURE',
      description:
        'When Redis is unreachable: `reject` answers 503 (limits never silently skipped); `local` falls back to per-instance memory limits.',
    }),
    retentionDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 30,
      env: 'TESSERA_RETENTION_DAYS',
      description: 'Finished verifications, expired tokens and events older than this are pruned.',
    }),
    trustProxy: Type.Union([Type.Boolean(), Type.String({ minLength: 1 })], {
      default: false,
      env: 'TESSERA_TRUST_PROXY',
      description:
        'Honour X-Forwarded-For only from these proxies: true, or a comma list of addresses/CIDRs. Default: not at all.',
    }),
    secret: Type.Optional(
      Type.String({
        minLength: 32,
        env: 'TESSERA_SECRET',
        secret: true,
        description:
          'Server secret (≥32 chars) for code hashes and encryption at rest. Required in production; generated into the data dir otherwise.',
      }),
    ),
    adminKey: Type.Optional(
      Type.String({
        minLength: 24,
        env: 'TESSERA_ADMIN_KEY',
        secret: true,
        description: 'Operator key for /admin/v1 (≥24 chars). Generated into the data dir when unset.',
      }),
    ),
    smtpUrl: Type.Optional(
      Type.String({
        pattern: '^smtps?://',
        env: 'TESSERA_SMTP_URL',
        secret: true,
        description: 'SMTP server for email codes, e.g. smtp://user:pass@mail.example.com:587.',
      }),
    ),
    emailFrom: Type.Optional(
      Type.String({ minLength: 3, env: 'TESSERA_EMAIL_FROM', description: 'From address of code emails.' }),
    ),
    smsProviders: Type.Optional(
      Type.Array(ProviderEntry, {
        minItems: 1,
        maxItems: 5,
        env: 'TESSERA_SMS_PROVIDERS',
        secret: true,
        description:
          'Default SMS provider chain for apps that set none: a JSON list like an app’s channels.sms.providers (docs/delivery.md).',
      }),
    ),
    emailProviders: Type.Optional(
      Type.Array(ProviderEntry, {
        minItems: 1,
        maxItems: 5,
        env: 'TESSERA_EMAIL_PROVIDERS',
        secret: true,
        description: 'Default email provider chain, the same way (overrides TESSERA_SMTP_URL).',
      }),
    ),
    smsWebhookUrl: Type.Optional(
      Type.String({
        pattern: '^https?://',
        env: 'TESSERA_SMS_WEBHOOK_URL',
        description: 'Endpoint that receives SMS to send, as signed JSON (Standard Webhooks).',
      }),
    ),
    smsWebhookSecret: Type.Optional(
      Type.String({
        minLength: 16,
        env: 'TESSERA_SMS_WEBHOOK_SECRET',
        secret: true,
        description: 'Signing secret of the SMS webhook (`whsec_…` or any string ≥16 chars).',
      }),
    ),
    delivery: Type.Optional(
      Type.Literal('null', {
        env: 'TESSERA_DELIVERY',
        description: '`null` sends nothing, for the benchmark and tests; refused unless NODE_ENV is test or bench.',
      }),
    ),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info', env: 'LOG_LEVEL', description: 'pino log level.' },
    ),
    nodeEnv: Type.String({
      minLength: 1,
      default: 'development',
      env: 'NODE_ENV',
      description: '`production` requires TESSERA_SECRET and refuses the console provider.',
    }),
  },
  { additionalProperties: false },
)

export type Config = Readonly<Static<typeof ConfigSchema>>
export type ConfigKey = keyof Static<typeof ConfigSchema>
