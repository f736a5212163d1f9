import type { Logger } from 'pino'
import { createTessera, type Tessera } from '../app.js'
import type { Config } from '../config/config-schema.js'
import { ConfigError, loadConfig } from '../config/load-config.js'
import { resolveServerSecrets, type ServerSecrets } from '../config/server-secrets.js'
import { createLogger, logFormatFor } from '../logging/create-logger.js'

export interface CliIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  /** Whether standard output is a terminal: logs are then readable lines unless LOG_FORMAT says otherwise. */
  readonly isTerminal: boolean
}

export interface Loaded {
  readonly config: Config
  readonly secrets: ServerSecrets
  readonly logger: Logger
}

/**
 * Configuration, secrets and logger, or a printed CONFIG_INVALID and undefined. `oneShot` commands (apps, keys,
 * migrate) warn on standard error when they made a data folder, secret or admin key of their own: run from
 * another folder than the server (or without its TESSERA_DATA_DIR, TESSERA_SECRET), they would write into a
 * database the server never reads, or under a secret it does not hold.
 */
export function loadForCli(io: CliIo, options: { logLevel?: string; oneShot?: boolean } = {}): Loaded | undefined {
  let config: Config
  try {
    config = loadConfig(io.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`tessera: configuration is invalid:\n${error.issues.map((issue) => `  - ${issue}`).join('\n')}\n`)
      return undefined
    }
    throw error
  }
  const secrets = resolveServerSecrets(config)
  if (options.oneShot && secrets.created.length > 0) {
    io.err(
      [
        `tessera: warning: created a new ${secrets.created.join(', a new ')}.`,
        "  If a server is already running, this command is not using its data: run it from the server's folder,",
        '  with the same TESSERA_DATA_DIR, TESSERA_SECRET, TESSERA_ADMIN_KEY and DATABASE_URL as the server.',
        '',
      ].join('\n'),
    )
  }
  const format = logFormatFor({ configured: config.logFormat, isTerminal: io.isTerminal, nodeEnv: config.nodeEnv })
  const logger = createLogger({ level: options.logLevel ?? config.logLevel, format, colorize: io.isTerminal })
  return { config, secrets, logger }
}

/** Opens the database and services without listening, for one-shot commands. */
export async function withTessera<T>(loaded: Loaded, run: (tessera: Tessera) => Promise<T>): Promise<T> {
  const tessera = await createTessera({
    config: loaded.config,
    secret: loaded.secrets.secret,
    adminKey: loaded.secrets.adminKey,
    logger: loaded.logger,
  })
  try {
    return await run(tessera)
  } finally {
    await tessera.close()
  }
}
