import type { TObject, TSchema } from '@sinclair/typebox'
import { AppSettingsSchema } from './app-settings.js'
import { defaultAppSettings } from './resolve-settings.js'

/**
 * docs/settings.md, generated from the settings schema: every setting with its
 * type, default and description. The defaults exist once — in the schema — and
 * this table is written from them (`npm run docs`); a test fails when the file
 * and the schema disagree. `schema`: the registry's, with the types' options.
 */
export function settingsReference(schema: TObject = AppSettingsSchema): string {
  const rows: string[] = []
  walk(schema, '', defaultAppSettings(schema), rows)
  return [
    '# App settings',
    '',
    '<!-- Generated from src/settings/app-settings.ts and the types’ options (src/verifiers/<type>/) by `npm run docs`; a test checks it. Do not edit by hand. -->',
    '',
    'Every app has these settings (`GET /admin/v1/apps/{app_id}`). A `PATCH` carries a partial object applied',
    'as a JSON Merge Patch (RFC 7396): objects merge key by key, `null` removes a key, anything else (arrays',
    'included) replaces; the result is validated as a whole. `<name>` stands for a key of your choosing.',
    '',
    '| setting | type | default | description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
}

/** `parent`: the enclosing object's description, for members that have none (a limit's max and window). */
function walk(schema: TSchema, path: string, defaults: unknown, rows: string[], parent?: unknown): void {
  const properties = schema.properties as Record<string, TSchema> | undefined
  if (schema.type === 'object' && properties) {
    for (const [key, child] of Object.entries(properties)) {
      const value = isRecord(defaults) ? defaults[key] : undefined
      walk(child, path === '' ? key : `${path}.${key}`, value, rows, schema.description)
    }
    return
  }
  const patterns = schema.patternProperties as Record<string, TSchema> | undefined
  if (schema.type === 'object' && patterns) {
    rows.push(row(path, 'map', defaults, schema.description))
    const [child] = Object.values(patterns)
    if (child && child.type === 'object' && (child.properties || child.patternProperties)) {
      walk(child, `${path}.<name>`, undefined, rows)
    }
    return
  }
  rows.push(row(path, typeName(schema), defaults, schema.description ?? parent))
}

function row(path: string, type: string, value: unknown, description: unknown): string {
  const shown = value === undefined ? '—' : `\`${JSON.stringify(value)}\``
  const text = typeof description === 'string' ? description.replaceAll('|', '\\|').replaceAll('\n', ' ') : ''
  return `| \`${path}\` | ${type} | ${shown.replaceAll('|', '\\|')} | ${text} |`
}

function typeName(schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) {
    const literals = (schema.anyOf as TSchema[]).map((s) => s.const).filter((c) => c !== undefined)
    if (literals.length === schema.anyOf.length) return literals.map((c) => `\`${String(c)}\``).join(' \\| ')
    return (schema.anyOf as TSchema[]).map(typeName).join(' \\| ')
  }
  if (schema.type === 'array') return `${typeName(schema.items as TSchema)}[]`
  if (schema.const !== undefined) return `\`${String(schema.const)}\``
  if (typeof schema.type === 'string') return schema.type
  return 'value'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
