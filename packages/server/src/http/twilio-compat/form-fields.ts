import { Type } from '@sinclair/typebox'
import { AppError } from '../../errors/app-error.js'

/** One field of a Twilio form post (strings), or of the same body sent as JSON. */
const FormValue = Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean()])

/** A form body: Twilio's parameter names; unknown ones are ignored, as Twilio does. */
export const FormBody = Type.Record(Type.String(), FormValue)

export type Form = Readonly<Record<string, string | number | boolean>>

/** Twilio's answer to a parameter it cannot use: 60200, naming the parameter. */
export function invalidParameter(name: string, why: string): AppError {
  return new AppError('invalid_request', {
    message: `Invalid parameter \`${name}\`: ${why}.`,
    problems: [{ path: name, message: why }],
  })
}

export function stringField(form: Form, name: string, options: { maxLength?: number } = {}): string | undefined {
  const value = form[name]
  if (value === undefined) return undefined
  const text = String(value)
  if (text.length > (options.maxLength ?? 256)) {
    throw invalidParameter(name, `at most ${options.maxLength ?? 256} characters`)
  }
  return text
}

export function requiredField(form: Form, name: string, options: { maxLength?: number } = {}): string {
  const value = stringField(form, name, options)
  if (value === undefined || value.trim() === '') throw invalidParameter(name, 'required')
  return value
}

/** Twilio's booleans are `true`/`false` in forms. */
export function booleanField(form: Form, name: string): boolean | undefined {
  const value = form[name]
  if (value === undefined) return undefined
  if (value === true || value === 'true' || value === 'True') return true
  if (value === false || value === 'false' || value === 'False') return false
  throw invalidParameter(name, 'true or false')
}

export function integerField(form: Form, name: string, min: number, max: number): number | undefined {
  const value = form[name]
  if (value === undefined) return undefined
  const number = typeof value === 'number' ? value : /^\d{1,6}$/.test(String(value)) ? Number(value) : Number.NaN
  if (!Number.isInteger(number) || number < min || number > max) {
    throw invalidParameter(name, `an integer from ${min} to ${max}`)
  }
  return number
}
