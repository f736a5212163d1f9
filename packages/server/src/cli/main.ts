import { Command, CommanderError } from 'commander'
import { registerApps } from './commands/apps.js'
import { registerKeys } from './commands/keys.js'
import { registerMigrate } from './commands/migrate.js'
import { registerServe } from './commands/serve.js'
import type { CliIo } from './context.js'

/** The `tessera` command. Answers the exit code. */
export async function runCli(argv: readonly string[], io?: Partial<CliIo>): Promise<number> {
  const cliIo: CliIo = {
    out: io?.out ?? ((text) => process.stdout.write(text)),
    err: io?.err ?? ((text) => process.stderr.write(text)),
    env: io?.env ?? process.env,
    isTerminal: io?.isTerminal ?? process.stdout.isTTY === true,
  }
  let exit: Promise<number> = Promise.resolve(0)
  const setExit = (code: Promise<number>) => {
    exit = code
  }
  const program = new Command('tessera')
    .description('Tessera: self-hosted verification service')
    .exitOverride()
    .configureOutput({ writeOut: cliIo.out, writeErr: cliIo.err })
  registerServe(program, cliIo, setExit)
  registerMigrate(program, cliIo, setExit)
  registerApps(program, cliIo, setExit)
  registerKeys(program, cliIo, setExit)
  try {
    await program.parseAsync([...argv])
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode
    throw error
  }
  return exit
}
