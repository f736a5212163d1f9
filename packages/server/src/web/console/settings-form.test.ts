import { describe, expect, it } from 'vitest'
import {
  defaultAppSettings as baseDefaults,
  settingsProblems as baseProblems,
  resolveAppSettings as resolveBase,
} from '../../settings/resolve-settings.js'
import { weakSettingWarnings } from '../../settings/settings-warnings.js'
import { BUILT_IN_SETTINGS_SCHEMA } from '../../verifiers/built-in-verifiers.js'
import { settingsFields, settingsFormFields, settingsFromForm, weakSettingsNotice } from './settings-form.js'

// The form shows the built-in types' options too (totp.*), so settings are resolved with the composed schema.
const resolveAppSettings = (input: unknown) => resolveBase(input, { schema: BUILT_IN_SETTINGS_SCHEMA })
const defaultAppSettings = () => baseDefaults(BUILT_IN_SETTINGS_SCHEMA)
const settingsProblems = (candidate: unknown) => baseProblems(candidate, BUILT_IN_SETTINGS_SCHEMA)

/** What a browser submits for a rendered form: every named control's value (checked boxes only). */
function submit(markup: string): Record<string, string | string[]> {
  const form: Record<string, string | string[]> = {}
  const add = (name: string, value: string) => {
    const seen = form[name]
    form[name] = seen === undefined ? value : [seen, value].flat()
  }
  const decode = (text: string) =>
    text
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&')
  for (const match of markup.matchAll(/<input([^>]*)>/g)) {
    const attributes = match[1] ?? ''
    const name = /name="([^"]+)"/.exec(attributes)?.[1]
    const value = /value="([^"]*)"/.exec(attributes)?.[1] ?? ''
    if (!name) continue
    if (attributes.includes('type="checkbox"') && !attributes.includes(' checked')) continue
    add(name, decode(value))
  }
  for (const match of markup.matchAll(/<select[^>]*name="([^"]+)"[^>]*>(.*?)<\/select>/gs)) {
    const selected = /<option selected>([^<]*)<\/option>/.exec(match[2] ?? '')?.[1] ?? ''
    add(match[1] ?? '', selected)
  }
  for (const match of markup.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>(.*?)<\/textarea>/gs)) {
    add(match[1] ?? '', decode(match[2] ?? ''))
  }
  return form
}

describe('the settings form generated from the schema', () => {
  it('has a field for every leaf setting, the hosted-page ones included', () => {
    const paths = settingsFields().map((field) => field.path)
    expect(paths).toContain('redirect_urls')
    expect(paths).toContain('brand_color')
    expect(paths).toContain('channels.sms.code_length')
    expect(paths).toContain('channels.sms.blocked_number_types')
    expect(paths).toContain('limits.sends_per_ip.max')
    expect(paths).toContain('scenes')
    // A type's options (verifiers/totp/) appear like any other setting.
    expect(paths).toContain('totp.digits')
  })

  it('submits unchanged settings back as the same settings', () => {
    const settings = resolveAppSettings({
      redirect_urls: ['https://app.example.com/back'],
      scenes: { checkout: { allowed_types: ['sms'] } },
      channels: { sms: { blocked_number_types: ['VOIP'] } },
    })
    const form = submit(settingsFormFields(settings, new Map()).value)
    const { settings: patch, jsonErrors } = settingsFromForm(form)
    expect(jsonErrors.size).toBe(0)
    expect(resolveAppSettings(patch)).toEqual(settings)
  })

  it('keeps a value that does not parse, so validation names it beside its field', () => {
    const form = submit(settingsFormFields(defaultAppSettings(), new Map()).value)
    form['s.channels.email.code_length'] = 'six'
    form['s.scenes'] = '{ nope'
    const { settings, jsonErrors } = settingsFromForm(form)
    expect(jsonErrors.get('scenes')).toBeDefined()
    const problems = settingsProblems(settings)
    expect(problems.map((problem) => problem.path)).toContain('channels.email.code_length')
  })
})

/** @see issue 13, part 9: weak settings shown beside their fields and listed above the form. */
describe('weak settings in the form', () => {
  const weak = resolveAppSettings({ channels: { email: { code_length: 4 } }, challenge: { max_attempts: 15 } })
  const warnings = weakSettingWarnings(weak)

  it('marks each weak field with its warning, described by it', () => {
    const markup = settingsFormFields(weak, new Map(), warnings).value
    expect(markup).toMatch(
      /<input type="number" id="f-channels-email-code_length"[^>]*aria-describedby="[^"]*f-channels-email-code_length-warning"/,
    )
    expect(markup).toMatch(/<p class="field-warning" id="f-channels-email-code_length-warning">[\s\S]*?4 digits/)
    expect(markup).toContain('id="f-challenge-max_attempts-warning"')
    expect(markup).not.toContain('id="f-channels-sms-code_length-warning"')
    expect(settingsFormFields(weak, new Map()).value).not.toContain('field-warning')
  })

  it('lists them, each linked to its field, and renders nothing when none', () => {
    const notice = weakSettingsNotice(warnings).value
    expect(notice).toContain('2 settings are below NIST SP 800-63B guidance')
    expect(notice).toContain('<a href="#f-channels-email-code_length"><code>channels.email.code_length</code></a>')
    expect(notice).toContain('<a href="#f-challenge-max_attempts"><code>challenge.max_attempts</code></a>')
    expect(weakSettingsNotice([]).value).toBe('')
  })

  it('still submits the same settings back (warnings add no control)', () => {
    const form = submit(settingsFormFields(weak, new Map(), warnings).value)
    expect(resolveAppSettings(settingsFromForm(form).settings)).toEqual(weak)
  })
})
