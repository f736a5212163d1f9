import type { Command } from 'commander'
import { migrateToLatest } from '../../storage/migrations/migrate-to-latest.js'
import { dialectOf, openDatabase } from '../../storage/open-database.js'
import { type CliIo, loadForCli } from '../context.js'

export function registerMigrate(program: Command, io: CliIo, setExit: (code: Promise<number>) => void): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      setExit(
        (async () => {
          const loaded = loadForCli(io, { logLevel: 'warn', oneShot: true })
          if (!loaded) return 1
          const db = await openDatabase(loaded.config)
          try {
            const applied = await migrateToLatest(db, { dialect: dialectOf(loaded.config) })
            io.out(
              options.json
                ? `${JSON.stringify({ applied })}\n`
                : applied.length === 0
                  ? 'Database is up to date.\n'
                  : `Applied: ${applied.join(', ')}\n`,
            )
            return 0
          } finally {
            await db.destroy()
          }
        })(),
      ),
    )
}
