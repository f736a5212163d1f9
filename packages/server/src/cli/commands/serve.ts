import type { Command } from 'commander'
import { createTessera } from '../../app.js'
import { BUILT_IN_CHANNELS } from '../../channels/built-in-channels.js'
import { metricsAddressOf, publicUrlOf } from '../../config/load-config.js'
import { listenForMetrics, type MetricsListener } from '../../metrics/metrics-listener.js'
import { type CliIo, loadForCli } from '../context.js'
import { startIdleCollector } from '../idle-collector.js'

/** Starts the service; resolves with the exit code once a signal has shut it down. */
async function serve(io: CliIo): Promise<number> {
  const loaded = loadForCli(io)
  if (!loaded) return 1
  const { config, secrets, logger } = loaded
  for (const warning of secrets.warnings) logger.warn(warning)

  let tessera: Awaited<ReturnType<typeof createTessera>>
  try {
    tessera = await createTessera({ config, secret: secrets.secret, adminKey: secrets.adminKey, logger })
  } catch (error) {
    // A default provider chain is checked against its providers here, not in loadConfig: same message shape.
    const message = (error as Error).message
    if (!/^TESSERA_[A-Z_]+: /.test(message)) throw error
    io.err(`tessera: configuration is invalid:\n  - ${message}\n`)
    return 1
  }
  try {
    await tessera.server.listen({ port: config.port, host: config.host })
  } catch (error) {
    io.err(`tessera: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`)
    await tessera.close()
    return 1
  }
  // TESSERA_METRICS=host:port: metrics on a listener of their own.
  const metricsAddress = metricsAddressOf(config)
  let metricsListener: MetricsListener | undefined
  if (metricsAddress) {
    try {
      metricsListener = await listenForMetrics(tessera.metrics, metricsAddress)
    } catch (error) {
      io.err(`tessera: cannot listen for metrics on ${config.metrics}: ${(error as Error).message}\n`)
      await tessera.close()
      return 1
    }
  }
  const address = tessera.server.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  tessera.setListeningPort(port)
  const url = publicUrlOf(config, port)

  const describe = (providers: string[]) =>
    providers.length === 1 && providers[0] === 'console'
      ? 'console (development: codes printed here)'
      : providers.join(' → ')
  const fromEnv = Boolean(config.adminKey)
  // The banner is for the operator's terminal, not the log stream. The admin key is
  // shown in full only for a key this install generated for itself, outside production.
  const showKey = !fromEnv && config.nodeEnv !== 'production'
  const adminKeyLine = showKey
    ? `${secrets.adminKey}  (saved in ${config.dataDir}/admin-key${secrets.adminKeyGenerated ? ', generated now' : ''})`
    : fromEnv
      ? `from TESSERA_ADMIN_KEY`
      : `in ${config.dataDir}/admin-key`
  const metricsLine =
    config.metrics === 'off'
      ? 'off (TESSERA_METRICS=off)'
      : metricsListener && metricsAddress
        ? `http://${metricsAddress.host.includes(':') ? `[${metricsAddress.host}]` : metricsAddress.host}:${metricsListener.port}/metrics`
        : `${url}/metrics`
  const keyForExample = showKey ? secrets.adminKey : '$TESSERA_ADMIN_KEY'
  // Memory a burst of requests left committed goes back once the server is quiet (idle-collector.ts).
  let requestsServed = 0
  tessera.server.server.on('request', () => {
    requestsServed++
  })
  const idleCollector = startIdleCollector({ requests: () => requestsServed })
  // Handlers first, banner second: a supervisor that signals as soon as it sees the banner
  // must get a graceful shutdown, not a kill by the default signal action.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      idleCollector.stop()
      logger.info({ signal }, 'shutting down: draining in-flight requests')
      // Node closes idle keep-alive connections only once, when close starts: the connection of a
      // request still in flight goes idle afterwards and would hold shutdown for the keep-alive timeout.
      const http = tessera.server.server
      const closeIdle = setInterval(() => http.closeIdleConnections(), 100)
      closeIdle.unref()
      const force = setTimeout(() => {
        logger.error('shutdown took longer than 10 s; exiting')
        http.closeAllConnections()
        resolve(1)
      }, 10_000)
      force.unref()
      Promise.all([metricsListener?.close(), tessera.close()])
        .then(() => {
          clearInterval(closeIdle)
          clearTimeout(force)
          logger.info('stopped')
          resolve(0)
        })
        .catch((error: unknown) => {
          clearInterval(closeIdle)
          logger.error({ err: error }, 'error during shutdown')
          resolve(1)
        })
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })

  io.out(
    [
      '',
      `Tessera is listening on ${url}`,
      `  database   ${config.databaseUrl ? 'DATABASE_URL' : `SQLite in ${config.dataDir}/tessera.db`}`,
      ...BUILT_IN_CHANNELS.map(
        (channel) => `  ${channel.name.padEnd(10)} ${describe(tessera.delivery.defaultProviders(channel.name))}`,
      ),
      `  admin key  ${adminKeyLine}`,
      `  API docs   ${url}/docs`,
      `  metrics    ${metricsLine}`,
      '',
      'Create an app (answers its app_id), then a key for it (answers the key once):',
      `  curl -s -X POST ${url}/admin/v1/apps -H "Authorization: Bearer ${keyForExample}" -H "Content-Type: application/json" -d '{"name":"My app"}'`,
      `  curl -s -X POST ${url}/admin/v1/apps/APP_ID/keys -H "Authorization: Bearer ${keyForExample}"`,
      '  (or from this folder: npx tessera apps create --name "My app", which makes the app and its first key)',
      '',
    ].join('\n'),
  )
  return stopped
}

export function registerServe(program: Command, io: CliIo, setExit: (code: Promise<number>) => void): void {
  program
    .command('serve', { isDefault: true })
    .description('run the HTTP service (applies migrations first)')
    .action(() => setExit(serve(io)))
}
