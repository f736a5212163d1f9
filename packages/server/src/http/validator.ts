import { Ajv, type ValidateFunction } from 'ajv'
import formats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

/**
 * Bodies are JSON and must be exactly the declared types (`"consume": "yes"`
 * is an error, not a truthy string; `5` is not a token). Query strings and
 * path parameters are text by nature, so only they are coerced.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const common = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false } as const
  // ajv-formats is CommonJS; its function is both module.exports and .default.
  const addFormats = formats.default
  // built once, not per request: a spread here costs nothing (docs/decisions.md)
  const strict = addFormats(new Ajv({ ...common, coerceTypes: false }))
  // built once, not per request: a spread here costs nothing (docs/decisions.md)
  const coercing = addFormats(new Ajv({ ...common, coerceTypes: 'array' }))
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema as object) as ValidateFunction
}
