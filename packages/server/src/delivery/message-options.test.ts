import { describe, expect, it } from 'vitest'
import { resolveAppSettings } from '../settings/resolve-settings.js'
import { fillSubstitutions } from './message-options.js'
import { fromHeader } from './smtp/smtp-provider.js'
import { renderMessage } from './templates/render-message.js'

describe('substitutions', () => {
  it('fills the names given in one pass and leaves the others as written', () => {
    expect(
      fillSubstitutions('Hi {substitutions.name}, {substitutions.other} {code}', { name: '{substitutions.other}' }),
    ).toBe('Hi {substitutions.other}, {substitutions.other} {code}')
    // Only own names: nothing reaches the object's prototype.
    expect(fillSubstitutions('{substitutions.constructor}{substitutions.toString}', {})).toBe(
      '{substitutions.constructor}{substitutions.toString}',
    )
  })

  it('reach the app template chosen for the message, escaped in HTML, on one line in the subject, per send', () => {
    const settings = resolveAppSettings({
      templates: {
        email: {
          promo: {
            en: {
              subject: 'For {substitutions.name}',
              text: '{substitutions.name}: {code}',
              html: '<p>{substitutions.name}</p><b>{code}</b>',
            },
          },
        },
      },
    })
    const render = (substitutions: Record<string, string>) =>
      renderMessage({
        settings,
        appName: 'Acme',
        channel: 'email',
        scene: 'promo',
        code: '482913',
        ttlSeconds: 600,
        substitutions,
      })
    const first = render({ name: 'A & <B>\nC' })
    expect(first.subject).toBe('For A & <B> C')
    expect(first.text).toBe('A & <B>\nC: 482913')
    expect(first.html).toBe('<p>A &amp; &lt;B&gt;\nC</p><b>482913</b>')
    // The cached shape of the message keeps no caller's values.
    expect(render({ name: 'Dee' }).text).toBe('Dee: 482913')
  })
})

describe("the SMTP message's From", () => {
  it('is the configured one, with the message’s own address or name in place', () => {
    const configured = 'Acme <no-reply@acme.example>'
    expect(fromHeader(configured, undefined)).toBe(configured)
    expect(fromHeader(configured, { name: 'Acme Security' })).toEqual({
      name: 'Acme Security',
      address: 'no-reply@acme.example',
    })
    expect(fromHeader(configured, { address: 'team@acme.example' })).toEqual({
      name: 'Acme',
      address: 'team@acme.example',
    })
    expect(fromHeader('no-reply@acme.example', { address: 'team@acme.example' })).toBe('team@acme.example')
    expect(fromHeader('"Acme, Inc." <no-reply@acme.example>', { address: 'a@acme.example' })).toEqual({
      name: 'Acme, Inc.',
      address: 'a@acme.example',
    })
  })
})
