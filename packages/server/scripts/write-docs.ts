// Writes the documents generated from the code's own schemas (`npm run docs`); tests check they are current.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { configReference, readmeWithConfigTable } from '../src/config/config-reference.js'
import { settingsReference } from '../src/settings/settings-reference.js'
import { BUILT_IN_SETTINGS_SCHEMA } from '../src/verifiers/built-in-verifiers.js'

const docs = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url))
const readme = fileURLToPath(new URL('../../../README.md', import.meta.url))

writeFileSync(docs('settings.md'), settingsReference(BUILT_IN_SETTINGS_SCHEMA))
process.stdout.write('docs/settings.md written\n')
writeFileSync(docs('config.md'), configReference())
writeFileSync(readme, readmeWithConfigTable(readFileSync(readme, 'utf8')))
process.stdout.write('docs/config.md and the README configuration table written\n')
