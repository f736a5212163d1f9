import type { Command } from 'commander'
import { AppError } from '../../errors/app-error.js'
import { type CliIo, loadForCli, withTessera } from '../context.js'

export function registerApps(program: Command, io: CliIo, setExit: (code: Promise<number>) => void): void {
  const apps = program.command('apps').description('manage apps')
  apps
    .command('create')
    .description('create an app and its first key (the key is printed once)')
    .requiredOption('--name <name>', 'display name, shown in messages')
    .option('--json', 'print JSON')
    .action((options: { name: string; json?: boolean }) =>
      setExit(
        (async () => {
          const loaded = loadForCli(io, { logLevel: 'warn', oneShot: true })
          if (!loaded) return 1
          try {
            return await withTessera(loaded, async (tessera) => {
              const app = await tessera.apps.createApp({ name: options.name })
              const key = await tessera.apps.createKey(app.id, {})
              io.out(
                options.json
                  ? `${JSON.stringify({ app_id: app.id, name: app.name, key_id: key.id, key: key.key })}\n`
                  : `app_id  ${app.id}\nkey_id  ${key.id}\nkey     ${key.key}\n(store the key now: it is not shown again)\n`,
              )
              return 0
            })
          } catch (error) {
            if (error instanceof AppError) {
              io.err(`tessera: ${error.message}\n`)
              return 1
            }
            throw error
          }
        })(),
      ),
    )
}
