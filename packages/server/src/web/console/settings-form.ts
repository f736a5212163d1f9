import type { WeakSettingWarning } from '../../settings/settings-warnings.js'
import { BUILT_IN_SETTINGS_SCHEMA } from '../../verifiers/built-in-verifiers.js'
import { type Html, html } from '../html.js'

/**
 * The settings form, generated from the settings schema (JSON Schema, with the built-in types' options): objects
 * become fieldsets, booleans checkboxes, numbers number fields, enums
 * selects, string lists one-per-line text areas, and anything else (records
 * such as scenes, settings added later with shapes this does not know) a
 * JSON text area. A setting added to the schema appears here unchanged.
 */

/** The JSON Schema keywords this generator reads. */
interface Schema {
  readonly type?: string
  readonly description?: string
  readonly properties?: Readonly<Record<string, Schema>>
  readonly required?: readonly string[]
  readonly patternProperties?: Readonly<Record<string, Schema>>
  readonly items?: Schema
  readonly anyOf?: readonly Schema[]
  readonly const?: unknown
  readonly minimum?: number
  readonly maximum?: number
  readonly pattern?: string
}

type FieldKind = 'boolean' | 'integer' | 'number' | 'enum' | 'string' | 'string-list' | 'enum-list' | 'json'

interface Field {
  readonly path: string
  /** Not in its parent's `required`: an empty field removes it. */
  readonly optional: boolean
  readonly kind: FieldKind
  readonly schema: Schema
  readonly options?: readonly string[]
}

function enumOptions(schema: Schema | undefined): string[] | undefined {
  if (!schema?.anyOf?.length) return undefined
  const values = schema.anyOf.map((entry) => entry.const)
  return values.every((value) => typeof value === 'string') ? (values as string[]) : undefined
}

function kindOf(schema: Schema): { kind: FieldKind; options?: string[] } {
  const options = enumOptions(schema)
  if (options) return { kind: 'enum', options }
  switch (schema.type) {
    case 'boolean':
      return { kind: 'boolean' }
    case 'integer':
      return { kind: 'integer' }
    case 'number':
      return { kind: 'number' }
    case 'string':
      return { kind: 'string' }
    case 'array': {
      const itemOptions = enumOptions(schema.items)
      if (itemOptions) return { kind: 'enum-list', options: itemOptions }
      return schema.items?.type === 'string' ? { kind: 'string-list' } : { kind: 'json' }
    }
    default:
      return { kind: 'json' }
  }
}

/** Every editable leaf of the schema, in schema order. */
export function settingsFields(schema: Schema = BUILT_IN_SETTINGS_SCHEMA as Schema, prefix = ''): Field[] {
  const out: Field[] = []
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name
    const optional = !(schema.required ?? []).includes(name)
    // An optional group (a channel's `fallback`) is set or removed as a whole: one JSON field, empty to remove it.
    if (child.type === 'object' && child.properties && !child.patternProperties && !optional) {
      out.push(...settingsFields(child, path))
    } else {
      out.push({ path, schema: child, optional, ...kindOf(child) })
    }
  }
  return out
}

function valueAt(root: unknown, path: string): unknown {
  let value: unknown = root
  for (const part of path.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined
  }
  return value
}

function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node = root
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (typeof next !== 'object' || next === null) node[part] = {}
    node = node[part] as Record<string, unknown>
  }
  node[parts.at(-1) ?? path] = value
}

/** A form body: repeated names (checkbox groups) arrive as arrays. */
export type SettingsForm = Readonly<Record<string, string | readonly string[] | undefined>>

const last = (value: string | readonly string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.at(-1) : (value as string | undefined)

/**
 * The settings a submitted form asks for, as a complete patch. Values that do
 * not parse stay as typed, so the schema's validation names them beside their
 * field; JSON that does not parse is reported here.
 */
export function settingsFromForm(form: SettingsForm): {
  settings: Record<string, unknown>
  jsonErrors: Map<string, string>
} {
  const settings: Record<string, unknown> = {}
  const jsonErrors = new Map<string, string>()
  for (const field of settingsFields()) {
    const name = `s.${field.path}`
    const raw = form[name]
    switch (field.kind) {
      case 'boolean':
        // A hidden "false" precedes the checkbox: unchecked sends only it.
        setAt(settings, field.path, last(raw) === 'true')
        break
      case 'integer':
      case 'number': {
        const text = (last(raw) ?? '').trim()
        const parsed = Number(text)
        if (text === '' && field.optional) setAt(settings, field.path, null)
        else setAt(settings, field.path, text !== '' && Number.isFinite(parsed) ? parsed : text)
        break
      }
      case 'enum':
      case 'string': {
        const text = last(raw) ?? ''
        // An optional setting left empty is removed (null deletes it on merge), not set to ''.
        setAt(settings, field.path, text === '' && field.optional ? null : text)
        break
      }
      case 'enum-list': {
        const values = [raw ?? []].flat().filter((value) => value !== '')
        setAt(settings, field.path, values)
        break
      }
      case 'string-list':
        setAt(
          settings,
          field.path,
          (last(raw) ?? '')
            .split(/[\n,]/)
            .map((value) => value.trim())
            .filter(Boolean),
        )
        break
      case 'json': {
        const text = (last(raw) ?? '').trim()
        try {
          setAt(settings, field.path, text === '' ? (field.optional ? null : {}) : JSON.parse(text))
        } catch {
          jsonErrors.set(field.path, 'Not valid JSON.')
        }
        break
      }
    }
  }
  return { settings, jsonErrors }
}

const ACRONYMS: Record<string, string> = { sms: 'SMS', ip: 'IP', totp: 'TOTP', url: 'URL', urls: 'URLs', ttl: 'TTL' }

/** `sends_per_ip` → "Sends per IP". */
/** A schema description with its `code` spans set as code. */
function describe(text: string): Html {
  return html`${text.split('`').map((part, index) => (index % 2 === 1 ? html`<code>${part}</code>` : part))}`
}

const humanize = (name: string) =>
  name
    .split('_')
    .map((word, index) => ACRONYMS[word] ?? (index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(' ')

const fieldId = (path: string) => `f-${path.replaceAll('.', '-')}`

/**
 * The field a warning belongs to: the setting itself, or the first field
 * inside it (`limits.failed_checks_per_identifier` → its `max`).
 */
function fieldOf(setting: string): Field | undefined {
  return settingsFields().find((field) => field.path === setting || field.path.startsWith(`${setting}.`))
}

function control(field: Field, value: unknown, error: string | undefined, warning: string | undefined): Html {
  const name = `s.${field.path}`
  const id = fieldId(field.path)
  const describedBy = [
    field.schema.description ? `${id}-hint` : '',
    warning ? `${id}-warning` : '',
    error ? `${id}-error` : '',
  ]
    .filter(Boolean)
    .join(' ')
  const aria = html`${describedBy ? html` aria-describedby="${describedBy}"` : ''}${error ? html` aria-invalid="true"` : ''}`
  switch (field.kind) {
    case 'boolean':
      return html`<input type="hidden" name="${name}" value="false"><input type="checkbox" id="${id}" name="${name}" value="true"${value === true ? html` checked` : ''}${aria}>`
    case 'integer':
    case 'number':
      return html`<input type="number" id="${id}" name="${name}" value="${String(value ?? '')}"${field.schema.minimum !== undefined ? html` min="${field.schema.minimum}"` : ''}${field.schema.maximum !== undefined ? html` max="${field.schema.maximum}"` : ''} step="${field.kind === 'integer' ? '1' : 'any'}"${aria}>`
    case 'enum':
      return html`<select id="${id}" name="${name}"${aria}>${(field.options ?? []).map((option) => html`<option${option === value ? html` selected` : ''}>${option}</option>`)}</select>`
    case 'string':
      return html`<input type="text" id="${id}" name="${name}" value="${String(value ?? '')}"${aria}>`
    case 'enum-list': {
      const chosen = new Set(Array.isArray(value) ? value : [])
      return html`<div class="choices" role="group" id="${id}"${aria}>${(field.options ?? []).map(
        (option) =>
          html`<label class="choice"><input type="checkbox" name="${name}" value="${option}"${chosen.has(option) ? html` checked` : ''}> ${option}</label>`,
      )}</div>`
    }
    case 'string-list':
      return html`<textarea id="${id}" name="${name}" rows="${Math.min(6, Math.max(2, (Array.isArray(value) ? value.length : 0) + 1))}" spellcheck="false"${aria}>${Array.isArray(value) ? value.join('\n') : String(value ?? '')}</textarea>`
    case 'json':
      return html`<textarea id="${id}" name="${name}" rows="6" class="mono" spellcheck="false"${aria}>${typeof value === 'string' ? value : (value === undefined || value === null) && field.optional ? '' : JSON.stringify(value ?? {}, null, 2)}</textarea>`
  }
}

/**
 * The form's fields grouped by their top-level setting. `values` are the
 * settings to show (the app's, or the rejected submission); `errors` are
 * keyed by dotted path; `warnings` (the saved settings' weak ones) show
 * beside their fields.
 */
export function settingsFormFields(
  values: unknown,
  errors: ReadonlyMap<string, string>,
  warnings: readonly WeakSettingWarning[] = [],
): Html {
  const warningByField = new Map<string, string>()
  for (const warning of warnings) {
    const field = fieldOf(warning.setting)
    if (field) warningByField.set(field.path, warning.message)
  }
  const groups = new Map<string, Field[]>()
  for (const field of settingsFields()) {
    const parts = field.path.split('.')
    const group = parts.length > 2 ? parts.slice(0, 2).join('.') : parts.length === 2 ? (parts[0] ?? '') : 'general'
    groups.set(group, [...(groups.get(group) ?? []), field])
  }
  const descriptionOf = (group: string) => {
    let schema: Schema | undefined = BUILT_IN_SETTINGS_SCHEMA as Schema
    for (const part of group.split('.')) schema = schema?.properties?.[part]
    return schema?.description
  }
  return html`${[...groups].map(([group, fields]) => {
    const description = group === 'general' ? undefined : descriptionOf(group)
    return html`<fieldset class="settings-group" id="g-${group.replaceAll('.', '-')}"><legend>${group === 'general' ? 'General' : group.split('.').map(humanize).join(' › ')}</legend>
${description ? html`<p class="hint">${describe(description)}</p>` : ''}
${fields.map((field) => {
  const id = fieldId(field.path)
  const error = errors.get(field.path) ?? [...errors].find(([path]) => path.startsWith(`${field.path}.`))?.[1]
  const prefixLength = group === 'general' ? 0 : group.split('.').length
  const label = field.path.split('.').slice(prefixLength).map(humanize).join(' › ') || humanize(field.path)
  const inline = field.kind === 'boolean'
  const warning = warningByField.get(field.path)
  return html`<div class="setting${inline ? ' inline' : ''}${error ? ' has-error' : ''}">
${inline ? '' : html`<label for="${id}">${label}</label>`}
${control(field, valueAt(values, field.path), error, warning)}
${inline ? html`<label for="${id}">${label}</label>` : ''}
${field.schema.description ? html`<p class="hint" id="${id}-hint">${describe(field.schema.description)}</p>` : ''}
${warning ? html`<p class="field-warning" id="${id}-warning"><strong>Below NIST SP 800-63B:</strong> ${warning}</p>` : ''}
${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
</div>`
})}
</fieldset>`
  })}`
}

/**
 * The saved settings' weak ones, listed above the form, each linked to its
 * field: allowed, in force, and worth a deliberate choice.
 */
export function weakSettingsNotice(warnings: readonly WeakSettingWarning[]): Html {
  if (warnings.length === 0) return html``
  const count = warnings.length === 1 ? 'One setting is' : `${warnings.length} settings are`
  return html`<section class="alert warn weak-settings" id="weak-settings" aria-labelledby="weak-settings-title">
<h2 id="weak-settings-title">${count} below NIST SP 800-63B guidance</h2>
<p>Saved and in force. Keep ${warnings.length === 1 ? 'it' : 'them'} only if your product needs ${warnings.length === 1 ? 'it' : 'them'}; docs/security.md explains each rule.</p>
<ul>${warnings.map((warning) => {
    const field = fieldOf(warning.setting)
    const name = html`<code>${warning.setting}</code>`
    return html`<li>${field ? html`<a href="#${fieldId(field.path)}">${name}</a>` : name}: ${warning.message}</li>`
  })}</ul>
</section>`
}
