import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { type ConfigKey, ConfigSchema } from './config-schema.js'
import { acceptsBoolean, CONFIG_FILE_VARIABLE, envNameOf, isSecretKey } from './load-config.js'

/**
 * docs/config.md and the README's configuration table, generated from the
 * config schema: every variable with its type, default and description, and
 * the optional file. The schema is the only place these are written; `npm run
 * docs` writes both documents and a test fails when either differs.
 */
export function configReference(): string {
  const rows = keys().map((key) => {
    const schema = propertyOf(key)
    return tableRow([
      `\`${envNameOf(key)}\``,
      `\`${key}\``,
      typeName(schema),
      defaultOf(schema),
      cell(schema.description),
    ])
  })
  const names = (which: (key: ConfigKey) => boolean) =>
    keys()
      .filter(which)
      .map((key) => `\`${envNameOf(key)}\``)
      .join(', ')
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/config-schema.ts by `npm run docs`; a test checks it. Do not edit by hand. -->',
    '',
    'Tessera reads its configuration once, at start-up, from environment variables and, optionally, a',
    `JSON file named by \`${CONFIG_FILE_VARIABLE}\`. Defaults are overridden by the file, and the file by the`,
    'environment. A bad value stops start-up with a non-zero exit and one `CONFIG_INVALID` message that',
    'names every bad variable. App settings (per app, changed over the API) are in',
    '[settings.md](settings.md).',
    '',
    '## Environment variables',
    '',
    '| variable | file key | type | default | description |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    tableRow([
      `\`${CONFIG_FILE_VARIABLE}\``,
      '—',
      'path',
      '—',
      'Path of a JSON configuration file ([below](#the-configuration-file)).',
    ]),
    '',
    'An empty variable counts as unset. Integers are written in decimal; lists are JSON',
    `(${names((key) => propertyOf(key).type === 'array')}); \`true\` and \`false\` are booleans where a key`,
    `accepts one (${names((key) => acceptsBoolean(key))}).`,
    '',
    `Secrets, whose bad values are reported without the value: ${names(isSecretKey)}.`,
    '',
    '## The configuration file',
    '',
    `\`${CONFIG_FILE_VARIABLE}=/etc/tessera/config.json\` names a file holding one JSON object whose keys are the`,
    '*file keys* above, with JSON values (numbers, booleans and lists as such, not as strings). An unknown',
    'key stops start-up. Secrets may stay in the environment while the rest is in the file. A file that',
    'sets every default explicitly:',
    '',
    '```json',
    JSON.stringify(Value.Default(ConfigSchema, {}), null, 2),
    '```',
    '',
  ].join('\n')
}

const README_START =
  '<!-- config-table:start — generated from src/config/config-schema.ts by `npm run docs`; a test checks it -->'
const README_END = '<!-- config-table:end -->'

/** The README with its configuration table (between the two markers) as the schema has it. */
export function readmeWithConfigTable(readme: string): string {
  const start = readme.indexOf(README_START)
  const end = readme.indexOf(README_END)
  if (start < 0 || end < start) throw new Error(`README.md: the markers ${README_START} … ${README_END} are missing`)
  const rows = keys().map((key) => {
    const schema = propertyOf(key)
    const values = choices(schema)
    const oneOf = values ? ` One of ${values.map((value) => `\`${value}\``).join(', ')}.` : ''
    return tableRow([`\`${envNameOf(key)}\``, defaultOf(schema), `${cell(schema.description)}${oneOf}`])
  })
  const table = [
    '| variable | default | meaning |',
    '| --- | --- | --- |',
    ...rows,
    tableRow([`\`${CONFIG_FILE_VARIABLE}\``, '—', 'path of a JSON configuration file']),
  ]
  return [readme.slice(0, start), README_START, '\n', ...table.map((line) => `${line}\n`), readme.slice(end)].join('')
}

/** What the reference reads of a property's schema: TypeBox keeps our own keywords beside JSON Schema's. */
interface PropertySchema extends TSchema {
  description?: string
  /** What an unset key means, where no default value can be written down (e.g. generated into the data dir). */
  whenUnset?: string
}

const properties = ConfigSchema.properties as Record<ConfigKey, PropertySchema>
const keys = () => Object.keys(properties) as ConfigKey[]
const propertyOf = (key: ConfigKey): PropertySchema => properties[key]

function defaultOf(schema: PropertySchema): string {
  if (schema.default !== undefined) {
    const value: unknown = schema.default
    return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``
  }
  return schema.whenUnset === undefined ? '—' : `unset: ${cell(schema.whenUnset)}`
}

/** The values of a key that takes one of a few words (`LOG_LEVEL`), else undefined. */
function choices(schema: TSchema): string[] | undefined {
  if (!Array.isArray(schema.anyOf)) return undefined
  const options = schema.anyOf as TSchema[]
  const literals = options.map((option) => option.const).filter((value) => value !== undefined)
  return literals.length === options.length ? literals.map(String) : undefined
}

function typeName(schema: TSchema): string {
  const values = choices(schema)
  if (values) return values.map((value) => `\`${value}\``).join(' \\| ')
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map(typeName).join(' \\| ')
  if (schema.const !== undefined) return `\`${String(schema.const)}\``
  if (schema.type === 'integer') {
    return schema.minimum !== undefined && schema.maximum !== undefined
      ? `integer, ${schema.minimum}–${schema.maximum}`
      : 'integer'
  }
  if (schema.type === 'array') {
    const items = schema.items as TSchema
    const what = items.type === 'object' ? 'objects' : `${typeName(items)}s`
    return `JSON list of ${what}, ${schema.minItems ?? 0}–${schema.maxItems ?? '∞'}`
  }
  if (schema.type === 'string') {
    const parts = ['string']
    if (typeof schema.minLength === 'number' && schema.minLength > 1) parts.push(`≥${schema.minLength} characters`)
    if (typeof schema.pattern === 'string') parts.push(`matching \`${schema.pattern}\``)
    return parts.join(', ')
  }
  return typeof schema.type === 'string' ? schema.type : 'value'
}

/** Table-cell text: a pipe would end the cell and a newline the row. */
function cell(text: string | undefined): string {
  return (text ?? '').replaceAll('|', '\\|').replaceAll('\n', ' ')
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`
}
