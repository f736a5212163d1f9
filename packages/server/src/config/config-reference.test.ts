import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { configReference, readmeWithConfigTable } from './config-reference.js'
import { ConfigSchema } from './config-schema.js'
import { envNameOf, loadConfig } from './load-config.js'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')

describe('docs/config.md', () => {
  it('is the reference generated from the config schema (run `npm run docs` after changing a key)', () => {
    expect(read('../../../../docs/config.md')).toBe(configReference())
  })

  it('names every variable with its file key, type and default as the schema has them', () => {
    const text = configReference()
    expect(text).toContain('| `PORT` | `port` | integer, 0–65535 | `8080` |')
    expect(text).toContain('| `LOG_LEVEL` | `logLevel` | `fatal` \\| `error` \\| `warn` \\| `info` \\|')
    expect(text).toContain(
      '| `TESSERA_SECRET` | `secret` | string, ≥32 characters | unset: generated into the data dir',
    )
    expect(text).toContain('| `TESSERA_CONFIG` | — | path |')
    for (const key of Object.keys(ConfigSchema.properties) as (keyof typeof ConfigSchema.properties)[]) {
      expect(text).toContain(`| \`${envNameOf(key)}\` | \`${key}\` |`)
    }
  })

  it('shows as the example file the defaults loadConfig applies to an empty environment', () => {
    const example = /```json\n([\s\S]*?)\n```/.exec(configReference())?.[1]
    expect(JSON.parse(example ?? 'null')).toEqual({ ...loadConfig({}) })
  })
})

describe('the configuration table of README.md', () => {
  it('is the table generated from the config schema (run `npm run docs` after changing a key)', () => {
    const readme = read('../../../../README.md')
    expect(readmeWithConfigTable(readme)).toBe(readme)
  })

  it('is written between its markers, leaving the rest of the README as it was', () => {
    const before =
      'intro\n<!-- config-table:start — generated from src/config/config-schema.ts by `npm run docs`; a test checks it -->\nstale\n<!-- config-table:end -->\noutro\n'
    const after = readmeWithConfigTable(before)
    expect(after.startsWith('intro\n<!-- config-table:start')).toBe(true)
    expect(after.endsWith('<!-- config-table:end -->\noutro\n')).toBe(true)
    expect(after).not.toContain('stale')
    expect(after).toContain('| `TESSERA_DATA_DIR` | `./data` |')
    expect(() => readmeWithConfigTable('no markers')).toThrow(/markers/)
  })
})
