import type { Command } from 'commander'
import { AppError } from '../../errors/app-error.js'
import { type CliIo, loadForCli, withTessera } from '../context.js'
import { registerSigningKeys, rotateSigningKey } from './signing-keys.js'

export function registerKeys(program: Command, io: CliIo, setExit: (code: Promise<number>) => void): void {
  const keys = program.command('keys').description('manage app keys')
  keys
    .command('create <app_id>')
    .description('create a key for an app (printed once)')
    .option('--name <name>', 'a label for the key')
    .option('--json', 'print JSON')
    .action((appId: string, options: { name?: string; json?: boolean }) =>
      setExit(
        (async () => {
          const loaded = loadForCli(io, { logLevel: 'warn', oneShot: true })
          if (!loaded) return 1
          try {
            return await withTessera(loaded, async (tessera) => {
              const key = await tessera.apps.createKey(appId, { name: options.name })
              io.out(
                options.json
                  ? `${JSON.stringify({ key_id: key.id, key: key.key, prefix: key.prefix })}\n`
                  : `key_id  ${key.id}\nkey     ${key.key}\n(store the key now: it is not shown again)\n`,
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

  // Kept for scripts written before `signing-keys`: the same action as `signing-keys rotate`.
  program
    .command('rotate-signing-key')
    .description('alias of `signing-keys rotate`')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => rotateSigningKey(io, setExit, options))

  registerSigningKeys(program, io, setExit)
}
