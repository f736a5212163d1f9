import { type TSchema, Type } from '@sinclair/typebox'

/** The contract's error body. Extra fields (attempts_remaining, retry_after, …) may appear. */
export const ErrorSchema = Type.Object(
  {
    error: Type.String({ description: 'Stable error code, e.g. invalid_verification_code.' }),
    error_code: Type.Integer({ description: 'Stable number of the code, e.g. 4001.' }),
    error_description: Type.String(),
  },
  { $id: 'Error', additionalProperties: true },
)

/** Response schemas for a route: its success plus the error shape for the listed statuses. */
export function withErrors(success: Record<number, TSchema>, ...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = { ...success }
  for (const status of [400, 401, 403, 415, 413, 429, ...statuses]) out[status] = Type.Ref('Error')
  return out
}

export const IsoTime = Type.String({ format: 'date-time' })
export const NullableIsoTime = Type.Union([IsoTime, Type.Null()])

export const iso = (ms: number): string => new Date(ms).toISOString()
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))
