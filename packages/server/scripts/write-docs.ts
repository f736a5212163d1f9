// Writes the documents generated from the code's own schemas (`npm run docs`); tests check they are current.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { settingsReference } from '../src/settings/settings-reference.js'

const docs = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url))

writeFileSync(docs('settings.md'), settingsReference())
process.stdout.write('docs/settings.md written\n')
