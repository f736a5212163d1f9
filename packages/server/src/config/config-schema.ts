import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { BUILT_IN_CHANNELS } from '../channels/built-in-channels.js'
import { ProviderEntrySchema } from '../settings/app-settings.js'

/** `TESSERA_METRICS`'s own-listener form: `host:port`, an IPv6 host in brackets. */
export const METRICS_ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/

/**
 * The whole configuration, one typed object. Each key names the environment
 * variable that sets it (`env`), a default — or, where none can be written
 * down, what an unset key means (`whenUnset`) — a description, and whether it
 * is a secret (then it is never printed). A JSON file named by TESSERA_CONFIG
 * may set the same keys; the environment wins over the file. docs/config.md
 * and the README's table are generated from this schema (`npm run docs`).
 */
export const ConfigSchema = Type.Object(
  {
    port: Type.Integer({
      minimum: 0,
      maximum: 65_535,
      default: 8080,
      env: 'PORT',
      description: 'TCP port to listen on (0 picks a free one).',
    }),
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      env: 'HOST',
      description: 'Interface to listen on (`0.0.0.0` for all).',
    }),
    publicUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s]+$',
        env: 'TESSERA_PUBLIC_URL',
        whenUnset: '`http://HOST:PORT`',
        description:
          "External base URL: the tokens' `iss` and the base of the status callback URLs handed to providers.",
      }),
    ),
    dataDir: Type.String({
      minLength: 1,
      default: './data',
      env: 'TESSERA_DATA_DIR',
      description:
        'Folder for the SQLite database and generated secrets; created `0700`, its files `0600` (looser modes are tightened at start).',
    }),
    databaseUrl: Type.Optional(
      Type.String({
        minLength: 1,
        env: 'DATABASE_URL',
        secret: true,
        whenUnset: 'SQLite in the data dir',
        description:
          '`postgres://user:pass@host:5432/db` (or `postgresql://…`) for PostgreSQL, which many instances can share; `sqlite:<path>` or `:memory:` for SQLite.',
      }),
    ),
    databasePoolSize: Type.Integer({
      minimum: 1,
      maximum: 200,
      default: 10,
      env: 'DATABASE_POOL_SIZE',
      description: 'PostgreSQL connections per instance.',
    }),
    databasePreparedStatements: Type.Boolean({
      default: true,
      env: 'DATABASE_PREPARED_STATEMENTS',
      description:
        'PostgreSQL: send repeated queries as named prepared statements, so each connection parses and plans a query once. Turn off behind a pooler that cannot keep them (PgBouncer before 1.21 in transaction mode).',
    }),
    redisUrl: Type.Optional(
      Type.String({
        pattern: '^rediss?://',
        env: 'REDIS_URL',
        secret: true,
        whenUnset: 'limits in process memory',
        description: '`redis://host:6379` (or `rediss://…`): rate limits shared by all instances.',
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
      description: 'Days to keep finished verifications, expired tokens and events; older ones are pruned.',
    }),
    trustProxy: Type.Union([Type.Boolean(), Type.String({ minLength: 1 })], {
      default: false,
      env: 'TESSERA_TRUST_PROXY',
      description:
        'Honour `X-Forwarded-For` only from these proxies: `true` (any), or a comma list of addresses/CIDRs; `false`: from none.',
    }),
    secret: Type.Optional(
      Type.String({
        minLength: 32,
        env: 'TESSERA_SECRET',
        secret: true,
        whenUnset: 'generated into the data dir (`secret`, mode 0600), with a warning',
        description:
          'Server secret, ≥32 characters: code and key hashes, encryption at rest. **Required when `NODE_ENV=production`**; all instances share it.',
      }),
    ),
    adminKey: Type.Optional(
      Type.String({
        minLength: 24,
        env: 'TESSERA_ADMIN_KEY',
        secret: true,
        whenUnset: 'generated into the data dir (`admin-key`, mode 0600)',
        description: 'Operator key for `/admin/v1` and the console (≥24 characters).',
      }),
    ),
    smtpUrl: Type.Optional(
      Type.String({
        pattern: '^smtps?://',
        env: 'TESSERA_SMTP_URL',
        secret: true,
        whenUnset: 'email codes go to the console',
        description: 'SMTP server for email codes: `smtp://user:pass@host:587` or `smtps://…:465`.',
      }),
    ),
    emailFrom: Type.Optional(
      Type.String({
        minLength: 3,
        env: 'TESSERA_EMAIL_FROM',
        description: 'From address of code emails; required with `TESSERA_SMTP_URL`.',
      }),
    ),
    smsProviders: Type.Optional(
      Type.Array(ProviderEntrySchema, {
        minItems: 1,
        maxItems: 5,
        env: 'TESSERA_SMS_PROVIDERS',
        secret: true,
        whenUnset: 'the SMS webhook, else the console',
        description:
          'Default SMS provider chain for apps that set none: a JSON list like an app’s `channels.sms.providers`, e.g. `[{"type":"twilio","account_sid":"AC…","auth_token":"…","from":"+1…"},{"type":"vonage",…}]` (docs/delivery.md).',
      }),
    ),
    emailProviders: Type.Optional(
      Type.Array(ProviderEntrySchema, {
        minItems: 1,
        maxItems: 5,
        env: 'TESSERA_EMAIL_PROVIDERS',
        secret: true,
        whenUnset: 'SMTP, else the console',
        description: 'Default email provider chain, the same way (overrides `TESSERA_SMTP_URL`).',
      }),
    ),
    smsWebhookUrl: Type.Optional(
      Type.String({
        pattern: '^https?://',
        env: 'TESSERA_SMS_WEBHOOK_URL',
        whenUnset: 'SMS codes go to the console',
        description:
          'Your endpoint that sends SMS: it receives signed JSON `{to, body, verification_id, channel}` (Standard Webhooks).',
      }),
    ),
    smsWebhookSecret: Type.Optional(
      Type.String({
        minLength: 16,
        env: 'TESSERA_SMS_WEBHOOK_SECRET',
        secret: true,
        description:
          'Standard Webhooks signing secret of the SMS webhook (`whsec_…` or ≥16 characters); required with the URL.',
      }),
    ),
    // Channels without a variable above bring theirs: TESSERA_WHATSAPP_PROVIDERS, TESSERA_CALL_PROVIDERS, ….
    // Typed as nothing here on purpose: the channel reads its own key (`<name>Providers`) in defaultProviders.
    ...(channelProviderVariables() as Record<never, never>),
    delivery: Type.Optional(
      Type.Literal('null', {
        env: 'TESSERA_DELIVERY',
        whenUnset: 'the providers above',
        description:
          '`null` sends nothing, for the benchmark and tests; refused unless `NODE_ENV` is `test` or `bench`.',
      }),
    ),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info', env: 'LOG_LEVEL', description: 'Least severe level written to the log (pino).' },
    ),
    logFormat: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('pretty')], {
        env: 'LOG_FORMAT',
        whenUnset: '`pretty` when standard output is a terminal, else `json`',
        description:
          '`json`: one JSON object per line (for log collectors); `pretty`: one readable, coloured line per entry (for people). Secrets are scrubbed either way.',
      }),
    ),
    metrics: Type.Union([Type.Literal('on'), Type.Literal('off'), Type.String({ pattern: METRICS_ADDRESS.source })], {
      default: 'on',
      env: 'TESSERA_METRICS',
      description:
        "Prometheus metrics: `on` serves `GET /metrics` on the service's own port; `off` serves none; `host:port` (e.g. `127.0.0.1:9464`, `[::1]:9464`) serves them on a listener of their own instead, so they need not be public.",
    }),
    nodeEnv: Type.String({
      minLength: 1,
      default: 'development',
      env: 'NODE_ENV',
      description:
        '`production` requires `TESSERA_SECRET` and refuses the console provider; `test` and `bench` allow `TESSERA_DELIVERY=null`.',
    }),
  },
  { additionalProperties: false },
)

/**
 * `<name>Providers` (`TESSERA_<NAME>_PROVIDERS`) for each registered channel the schema above does not spell
 * out: a new channel's default chain is configurable without an edit here.
 */
function channelProviderVariables(): Record<string, TSchema> {
  const spelledOut = new Set(['smsProviders', 'emailProviders'])
  const variables: Record<string, TSchema> = {}
  for (const channel of BUILT_IN_CHANNELS) {
    const key = `${channel.name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())}Providers`
    if (spelledOut.has(key)) continue
    variables[key] = Type.Optional(
      Type.Array(ProviderEntrySchema, {
        minItems: 1,
        maxItems: 5,
        env: channel.providersVariable,
        secret: true,
        whenUnset: 'the console',
        description: `Default ${channel.label} provider chain for apps that set none: a JSON list like an app’s \`channels.${channel.name}.providers\` (docs/delivery.md).`,
      }),
    )
  }
  return variables
}

export type Config = Readonly<Static<typeof ConfigSchema>>
export type ConfigKey = keyof Static<typeof ConfigSchema>
