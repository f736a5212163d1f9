import { type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox'
import { composeAppSettingsSchema } from '../settings/app-settings.js'
import type { Verifier } from './verifier.js'

export interface VerifierRegistry {
  /** The verifier of a type, or undefined for a type nobody registered. */
  find(type: string): Verifier | undefined
  /** The verifier of a stored type; a missing one is a programming error. */
  get(type: string): Verifier
  types(): readonly string[]
  /** The bind body's type fields: every type's `bindFields`, each optional, its description naming the types that take it. */
  readonly bindFields: TProperties
  /** Every field a bind may reveal (`revealFields`), each optional. */
  readonly revealFields: TProperties
  /** Every field `describe` may add to a factor (`viewFields`), each optional. */
  readonly viewFields: TProperties
  /** Every field a check may add to the verify answer (`checkFields`), each optional. */
  readonly checkFields: TProperties
  /** Every field a verify or activate body may carry instead of a code (`answerFields`: a passkey's `credential`), each optional. */
  readonly answerFields: TProperties
  /** Every field a challenge's answer may carry (`challengeFields`: a passkey's `options`), each optional. */
  readonly challengeFields: TProperties
  /** The types that take challenges without a user (`discoverable`). */
  discoverableTypes(): readonly string[]
  /** The types whose challenges are ceremonies run by the person's device (`present`: passkeys). */
  ceremonyTypes(): readonly string[]
  /** App settings: the base settings and each type's `options` under its name (or its `settingsKey`). */
  readonly settingsSchema: TObject
}

export function createVerifierRegistry(verifiers: readonly Verifier[]): VerifierRegistry {
  const byType = new Map<string, Verifier>()
  for (const verifier of verifiers) {
    if (!/^[a-z0-9-]{1,32}$/.test(verifier.type)) throw new Error(`Invalid verifier type name: ${verifier.type}`)
    if (byType.has(verifier.type)) throw new Error(`Verifier type registered twice: ${verifier.type}`)
    byType.set(verifier.type, verifier)
  }
  const typeOptions: Record<string, TObject> = {}
  for (const verifier of verifiers) {
    if (verifier.options) typeOptions[verifier.settingsKey ?? verifier.type] = verifier.options
  }
  return {
    find: (type) => byType.get(type),
    get(type) {
      const verifier = byType.get(type)
      if (!verifier) throw new Error(`Unknown verifier type: ${type}`)
      return verifier
    },
    types: () => [...byType.keys()],
    bindFields: composeFields(verifiers, (verifier) => verifier.bindFields, { nameTypes: true }),
    revealFields: composeFields(verifiers, (verifier) => verifier.revealFields),
    viewFields: composeFields(verifiers, (verifier) => verifier.viewFields),
    checkFields: composeFields(verifiers, (verifier) => verifier.checkFields),
    answerFields: composeFields(verifiers, (verifier) => verifier.answerFields, { nameTypes: true }),
    challengeFields: composeFields(verifiers, (verifier) => verifier.challengeFields),
    discoverableTypes: () => verifiers.filter((verifier) => verifier.discoverable).map((verifier) => verifier.type),
    ceremonyTypes: () => verifiers.filter((verifier) => verifier.present).map((verifier) => verifier.type),
    settingsSchema: composeAppSettingsSchema(typeOptions),
  }
}

/**
 * One set of fields out of every type's: each optional (a request or answer carries only its type's). A field two
 * types share (sms and email take `to`) must be declared alike; `nameTypes` prefixes each description with the
 * types that take the field, so the OpenAPI document says which type uses what.
 */
function composeFields(
  verifiers: readonly Verifier[],
  fieldsOf: (verifier: Verifier) => TProperties | undefined,
  options: { nameTypes?: boolean } = {},
): TProperties {
  const declared = new Map<string, { schema: TSchema; types: string[] }>()
  for (const verifier of verifiers) {
    for (const [name, schema] of Object.entries(fieldsOf(verifier) ?? {})) {
      const seen = declared.get(name)
      if (!seen) declared.set(name, { schema, types: [verifier.type] })
      else if (JSON.stringify(seen.schema) !== JSON.stringify(schema)) {
        throw new Error(`Field ${name} of type ${verifier.type} differs from type ${seen.types.join(', ')}'s`)
      } else seen.types.push(verifier.type)
    }
  }
  const fields: TProperties = {}
  for (const [name, { schema, types }] of declared) {
    const description = options.nameTypes
      ? `${types.join('/')}${typeof schema.description === 'string' ? `: ${schema.description}` : '.'}`
      : schema.description
    fields[name] = Type.Optional({ ...schema, ...(description === undefined ? {} : { description }) })
  }
  return fields
}
