import type { TSchema } from '@sinclair/typebox'

/** What reads of settings show instead of a provider secret. Sending it back keeps the stored secret. */
export const MASKED_SECRET = '********'

const SEALED = 'sealed:'

/**
 * Where a secret goes and whose it is. A masked secret is kept only while
 * these stay the same: otherwise an admin could point `base_url` at their own
 * server, send the secret back masked, and have Tessera deliver it there.
 */
const ANCHOR_FIELDS = [
  'type',
  'base_url',
  'url',
  'account_sid',
  'api_key',
  'access_key_id',
  'secret_id',
  'sms_sdk_app_id',
  'phone_number_id',
  'application_id',
]

/** The fields of a provider's options schema marked `secret: true`. */
export function secretFieldsOf(schema: TSchema): string[] {
  const properties = (schema as { properties?: Record<string, { secret?: boolean }> }).properties ?? {}
  return Object.entries(properties)
    .filter(([, property]) => property.secret === true)
    .map(([name]) => name)
}

function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED)
}

type Entry = Record<string, unknown>

/**
 * Encrypts the secret fields of a provider chain for storage. A field sent
 * back masked (or already sealed) keeps the secret stored at the same place
 * of the chain for the same provider, account and endpoint; a masked value
 * with nothing to keep is an error (the caller names it).
 */
export function sealEntries(
  entries: readonly Entry[],
  previous: readonly Entry[],
  secretFields: (type: string) => readonly string[],
  seal: (plaintext: string) => string,
): { entries: Entry[]; problems: string[] } {
  const problems: string[] = []
  const sealed = entries.map((entry, index) => {
    const out: Entry = { ...entry }
    const before = previous[index]
    for (const name of secretFields(String(entry.type))) {
      const value = out[name]
      if (value === undefined) continue
      if (value === MASKED_SECRET || isSealed(value)) {
        const sameAnchor =
          before !== undefined && ANCHOR_FIELDS.every((field) => field === name || before[field] === entry[field])
        const kept = sameAnchor ? before[name] : undefined
        if (isSealed(kept) && (value === MASKED_SECRET || value === kept)) out[name] = kept
        else {
          problems.push(
            `${index}.${name}: give the secret itself (a masked value keeps the stored one only for the same provider, account and endpoint)`,
          )
        }
        continue
      }
      if (typeof value === 'string') out[name] = `${SEALED}${seal(value)}`
    }
    return out
  })
  return { entries: sealed, problems }
}

/** The chain as reads show it: every secret field masked. */
export function maskEntries(entries: readonly Entry[], secretFields: (type: string) => readonly string[]): Entry[] {
  return entries.map((entry) => {
    const out: Entry = { ...entry }
    for (const name of secretFields(String(entry.type))) if (out[name] !== undefined) out[name] = MASKED_SECRET
    return out
  })
}

/** The options a sender is built with: sealed fields decrypted. */
export function unsealEntry(entry: Entry, unseal: (sealed: string) => string): Entry {
  const out: Entry = {}
  for (const [name, value] of Object.entries(entry))
    out[name] = isSealed(value) ? unseal(value.slice(SEALED.length)) : value
  return out
}
