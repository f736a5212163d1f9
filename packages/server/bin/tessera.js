#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader: no build step
// between a clone and a running service.
import { register } from 'tsx/esm/api'

register()
const { runCli } = await import('../src/cli/main.ts')
process.exitCode = await runCli(process.argv)
