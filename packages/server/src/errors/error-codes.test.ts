import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { AppError } from './app-error.js'
import { ERROR_CODES, type ErrorCode } from './error-codes.js'

const docs = readFileSync(fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url)), 'utf8')
const codes = Object.keys(ERROR_CODES) as ErrorCode[]

describe('error catalogue', () => {
  it('keeps the contract’s core numbers and statuses', () => {
    const core: Record<string, [number, number]> = {
      invalid_request: [4000, 400],
      invalid_verification_code: [4001, 400],
      verification_not_found: [4004, 404],
      verification_expired: [4005, 410],
      max_attempts_reached: [4006, 429],
      max_sends_reached: [4007, 429],
      resend_too_soon: [4008, 429],
      verification_not_pending: [4009, 409],
      rate_limited: [4029, 429],
      unauthorized: [4010, 401],
      forbidden: [4030, 403],
      invalid_identifier: [4011, 400],
      channel_not_enabled: [4012, 400],
      delivery_failed: [5002, 502],
    }
    for (const [code, [number, status]] of Object.entries(core)) {
      expect(ERROR_CODES[code as ErrorCode]).toMatchObject({ number, status })
    }
  })

  it('never gives two codes one number', () => {
    const numbers = codes.map((code) => ERROR_CODES[code].number)
    expect(new Set(numbers).size).toBe(numbers.length)
  })

  it('has a section and a table row in docs/errors.md for every code, and none for a code that does not exist', () => {
    for (const code of codes) {
      expect(docs).toContain(`## ${code}\n`)
      expect(docs).toContain(`| \`${code}\` | ${ERROR_CODES[code].number} | ${ERROR_CODES[code].status} |`)
    }
    const documented = [...docs.matchAll(/^## ([a-z_]+)$/gm)].map((m) => m[1])
    expect(documented.sort()).toEqual([...codes].sort())
  })

  it('renders the contract body with details', () => {
    const error = new AppError('invalid_verification_code', { details: { attempts_remaining: 2 } })
    expect(error.toBody()).toEqual({
      error: 'invalid_verification_code',
      error_code: 4001,
      error_description: 'Verification code is incorrect.',
      attempts_remaining: 2,
    })
    expect(error.status).toBe(400)
  })
})
