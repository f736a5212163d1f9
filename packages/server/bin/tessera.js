#!/usr/bin/env node
// The `tessera` command: the TypeScript sources, built once into a cached
// module (see load-cli.js), with no build step between a clone and a running service.
import { loadCli } from './load-cli.js'

const { runCli } = await loadCli()
process.exitCode = await runCli(process.argv)
