import { describe, expect, it } from 'vitest'
import { smsSegments } from './sms-segments.js'

describe('smsSegments', () => {
  it('counts GSM-7 texts in septets: 160 in one segment, 153 per part beyond', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 160 })
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, characters: 161 })
    expect(smsSegments('a'.repeat(306)).segments).toBe(2)
    expect(smsSegments('a'.repeat(307)).segments).toBe(3)
  })

  it('counts extension characters (€ [ ] { } ^ ~ | \\) as two septets', () => {
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 160 })
    expect(smsSegments(`${'a'.repeat(159)}€`).segments).toBe(2)
  })

  it('keeps accented letters of the GSM alphabet in GSM-7 (é è ü ä Ñ ç→Ç only)', () => {
    expect(smsSegments('Bestätigungscode für Sie, vérifié à Zürich').encoding).toBe('GSM-7')
  })

  it('falls back to UCS-2 for anything else: 70 in one segment, 67 per part', () => {
    expect(smsSegments('código')).toMatchObject({ encoding: 'UCS-2', segments: 1 })
    expect(smsSegments('é’')).toMatchObject({ encoding: 'UCS-2' })
    expect(smsSegments('验'.repeat(70))).toEqual({ encoding: 'UCS-2', segments: 1, characters: 70 })
    expect(smsSegments('验'.repeat(71))).toEqual({ encoding: 'UCS-2', segments: 2, characters: 71 })
    expect(smsSegments('验'.repeat(135)).segments).toBe(3)
  })

  it('counts an emoji as two UTF-16 units', () => {
    expect(smsSegments('🙂')).toEqual({ encoding: 'UCS-2', segments: 1, characters: 2 })
  })
})
