import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BUILT_IN_SETTINGS_SCHEMA } from '../verifiers/built-in-verifiers.js'
import { settingsReference } from './settings-reference.js'

describe('docs/settings.md', () => {
  it('is the table generated from the schema (run `npm run docs` after changing a setting)', () => {
    const written = readFileSync(new URL('../../../../docs/settings.md', import.meta.url), 'utf8')
    expect(written).toBe(settingsReference(BUILT_IN_SETTINGS_SCHEMA))
  })

  it('names each setting with its default, as the schema has it', () => {
    const text = settingsReference(BUILT_IN_SETTINGS_SCHEMA)
    expect(text).toContain('| `channels.sms.code_length` | integer | `6` |')
    expect(text).toContain('| `factor_lockout.max_failures` | integer | `10` |')
    expect(text).toContain('| `limits.failed_checks_per_identifier.max` | integer | `30` |')
    expect(text).toContain('RFC 7396')
  })

  it('names each type’s options at the same paths as before, composed from the type’s folder (totp.*)', () => {
    const text = settingsReference(BUILT_IN_SETTINGS_SCHEMA)
    expect(text).toContain('| `totp.digits` | integer | `6` |')
    expect(text).toContain('| `totp.window` | integer | `1` | Steps accepted either side of now. |')
    expect(text).toContain('| `challenge.ttl_seconds` | integer | `300` |')
  })
})
