import type { Logger } from 'pino'
import { createTessera, type Tessera } from '../app.js'
import type { Config } from '../config/config-schema.js'
import { ConfigError, loadConfig } from '../config/load-config.js'
import { resolveServerSecrets, type ServerSecrets } from '../config/server-secrets.js'
import { createLogger } from '../logging/create-logger.js'

export interface CliIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
}

export interface Loaded {
  readonly config: Config
  readonly secrets: ServerSecrets
  readonly logger: Logger
}

/** Configuration, secrets and logger, or a printed CONFIG_INVALID and undefined. */
export function loadForCli(io: CliIo, options: { logLevel?: string } = {}): Loaded | undefined {
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
  const logger = createLogger({ level: options.logLevel ?? config.logLevel })
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
