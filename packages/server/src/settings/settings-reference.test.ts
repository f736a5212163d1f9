import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { settingsReference } from './settings-reference.js'

describe('docs/settings.md', () => {
  it('is the table generated from the schema (run `npm run docs` after changing a setting)', () => {
    const written = readFileSync(new URL('../../../../docs/settings.md', import.meta.url), 'utf8')
    expect(written).toBe(settingsReference())
  })

  it('names each setting with its default, as the schema has it', () => {
    const text = settingsReference()
    expect(text).toContain('| `channels.sms.code_length` | integer | `6` |')
    expect(text).toContain('| `factor_lockout.max_failures` | integer | `10` |')
    expect(text).toContain('| `limits.failed_checks_per_identifier.max` | integer | `30` |')
    expect(text).toContain('RFC 7396')
  })
})
