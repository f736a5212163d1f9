import { describe, expect, it } from 'vitest'
import { BUILT_IN_LOCALES } from '../../i18n/built-in-locales.js'
import { SUPPORTED_LOCALES } from '../../i18n/locale.js'
import { PLACEHOLDERS } from '../../i18n/placeholders.js'
import { textArguments } from '../../i18n/text-arguments.js'
import type { AppSettings } from '../../settings/app-settings.js'
import { defaultAppSettings, resolveAppSettings } from '../../settings/resolve-settings.js'
import { originBoundLine, renderMessage } from './render-message.js'
import { smsSegments } from './sms-segments.js'

const base = defaultAppSettings()
const render = (overrides: Partial<Parameters<typeof renderMessage>[0]> = {}) =>
  renderMessage({
    settings: base,
    appName: 'Acme',
    channel: 'sms',
    scene: 'login',
    code: '482913',
    ttlSeconds: 600,
    ...overrides,
  })

describe('built-in texts', () => {
  it('cover every supported locale and use only known placeholders', () => {
    expect(Object.keys(BUILT_IN_LOCALES).sort()).toEqual([...SUPPORTED_LOCALES].sort())
    for (const [tag, file] of Object.entries(BUILT_IN_LOCALES)) {
      const { sms, email } = file.channels
      const messages = [sms.message, email.subject, email.intro, email.expiry, email.ignore]
      const links = [email.link_beside, email.link_subject, email.link_intro, email.link_button]
      for (const text of [...messages, ...links]) {
        const names = textArguments(text, tag).names
        expect(
          names.every((name) => (PLACEHOLDERS as readonly string[]).includes(name)),
          `${tag}: ${text}`,
        ).toBe(true)
      }
    }
  })

  it.each(SUPPORTED_LOCALES)('%s: the SMS shows code, app name and lifetime, and fits one segment', (locale) => {
    const sms = render({ locale })
    expect(sms.locale).toBe(locale)
    expect(sms.text).toContain('482913')
    expect(sms.text).toContain('Acme')
    // Arabic says "one minute" and "two minutes" in words; every other count is a number.
    expect(sms.text).toContain('10')
    expect(smsSegments(sms.text).segments).toBe(1)
  })

  it.each(SUPPORTED_LOCALES)(
    '%s: the email has subject, text and an HTML part in the right language and direction',
    (locale) => {
      const email = render({ locale, channel: 'email' })
      expect(email.subject).toContain('Acme')
      expect(email.text).toContain('482913')
      expect(email.html).toContain(`lang="${locale}"`)
      expect(email.html).toContain(locale === 'ar' ? 'dir="rtl"' : 'dir="ltr"')
      expect(email.html).toContain('482913')
      expect(email.html).toContain('<strong>Acme</strong>')
      expect(email.html).not.toMatch(/https?:\/\//)
    },
  )

  it('picks the plural form by count (English, Russian, Arabic)', () => {
    expect(render({ locale: 'en', ttlSeconds: 60 }).text).toContain('1 minute.')
    expect(render({ locale: 'en', ttlSeconds: 600 }).text).toContain('10 minutes.')
    expect(render({ locale: 'ru', channel: 'email', ttlSeconds: 120 }).text).toContain('2 минуты')
    expect(render({ locale: 'ru', channel: 'email', ttlSeconds: 300 }).text).toContain('5 минут.')
    expect(render({ locale: 'ru', channel: 'email', ttlSeconds: 1260 }).text).toContain('21 минуту')
    expect(render({ locale: 'ar', ttlSeconds: 120 }).text).toContain('دقيقتين')
    expect(render({ locale: 'ar', ttlSeconds: 300 }).text).toContain('5 دقائق')
  })

  it.each([
    ['en', ['1 minute.', '2 minutes.', '5 minutes.', '21 minutes.']],
    ['fr', ['1 minute.', '2 minutes.', '5 minutes.', '21 minutes.']],
    ['ru', ['1 минуту.', '2 минуты.', '5 минут.', '21 минуту.']],
    ['ar', ['دقيقة واحدة.', 'دقيقتين.', '5 دقائق.', '21 دقيقة.']],
  ])('%s: the email’s expiry line agrees with 1, 2, 5 and 21 minutes', (locale, endings) => {
    const lines = [1, 2, 5, 21].map((minutes) => {
      const email = render({ locale, channel: 'email', ttlSeconds: minutes * 60 })
      return email.text.split('\n')[4]
    })
    lines.forEach((line, index) => {
      expect(line?.endsWith(` ${endings[index]}`), `${line}`).toBe(true)
    })
    const html = render({ locale, channel: 'email', ttlSeconds: 60 }).html
    expect(html).toContain(endings[0])
  })
})

describe('locale choice', () => {
  it('takes the request, then the app default, then en; BCP 47 matching', () => {
    expect(render({ locale: 'pt' }).locale).toBe('pt-BR')
    expect(render({ locale: 'zh-Hant-HK' }).locale).toBe('zh-TW')
    expect(render({ locale: 'nl' }).locale).toBe('en')
    const french = { ...base, default_locale: 'fr' }
    expect(render({ settings: french }).locale).toBe('fr')
    expect(render({ settings: french, locale: 'de-AT' }).locale).toBe('de')
    expect(render({ settings: french, locale: 'nl' }).locale).toBe('fr')
  })
})

describe('app templates', () => {
  const settings: AppSettings = resolveAppSettings({
    templates: {
      sms: {
        '*': { en: { text: '{app_name}: {code}' }, nl: { text: 'Je {app_name}-code is {code}.' } },
        login: { en: { text: 'Sign in to {app_name} with {code} ({minutes} min)' } },
      },
      email: {
        '*': { en: { subject: '{app_name} <code>', text: 'Code: {code}\n\nBye' } },
        signup: { en: { subject: 'Welcome', text: 'Code {code}', html: '<p>Hi from {app_name}: <b>{code}</b></p>' } },
      },
    },
  })

  it('uses the scene’s template, then the app-wide one, then the built-in text', () => {
    expect(render({ settings, scene: 'login' }).text).toBe('Sign in to Acme with 482913 (10 min)')
    expect(render({ settings, scene: 'signup' }).text).toBe('Acme: 482913')
    expect(render({ settings, locale: 'nl' }).text).toBe('Je Acme-code is 482913.')
    expect(render({ settings, locale: 'de' }).text).toContain('Bestätigungscode')
  })

  it('escapes values in HTML and builds the HTML part from the text when the app gives none', () => {
    const hostile = render({ settings, channel: 'email', scene: 'signup', appName: '<script>x</script>' })
    expect(hostile.html).toBe('<p>Hi from &lt;script&gt;x&lt;/script&gt;: <b>482913</b></p>')
    const plain = render({ settings, channel: 'email', scene: 'other', appName: 'A&B' })
    expect(plain.subject).toBe('A&B <code>')
    expect(plain.html).toContain('Code: 482913</p>')
    expect(plain.html).toContain('<title>A&amp;B &lt;code&gt;</title>')
  })

  it('renders each send its own code, however often the template shows it, and follows a settings change', () => {
    const twice = resolveAppSettings({
      templates: { sms: { '*': { en: { text: '{code} is {app_name}’s code: {code}' } } } },
    })
    expect(render({ settings: twice, code: '111111' }).text).toBe('111111 is Acme’s code: 111111')
    expect(render({ settings: twice, code: '222222' }).text).toBe('222222 is Acme’s code: 222222')
    expect(render({ settings: twice, code: '333333', appName: 'Other' }).text).toBe('333333 is Other’s code: 333333')
    expect(render({ settings: twice, code: '444444' }).values).toEqual({
      code: '444444',
      app_name: 'Acme',
      minutes: '10',
    })
    const changed = resolveAppSettings({ templates: { sms: { '*': { en: { text: 'New: {code}' } } } } })
    expect(render({ settings: changed, code: '555555' }).text).toBe('New: 555555')
    const email = render({ settings: twice, channel: 'email', code: 'AB12CD' })
    expect(email.html).toContain('AB12CD')
    expect(email.html).not.toContain('tesseracode')
  })

  it('evaluates nothing but the three placeholders, in one pass', () => {
    const rendered = render({ settings, scene: 'x', appName: '{code}' })
    expect(rendered.text).toBe('{code}: 482913')
  })
})

describe('origin-bound codes', () => {
  it('end the SMS with @host #code when the app has a web origin', () => {
    const sms = render({ settings: { ...base, web_origin: 'https://shop.example.com' } })
    expect(sms.text.endsWith('\n\n@shop.example.com #482913')).toBe(true)
    expect(originBoundLine('https://localhost:8443', '1234')).toBe('\n\n@localhost:8443 #1234')
    expect(render().text).not.toContain('@')
  })
})

describe('renderMessage with a magic link (hosted flow)', () => {
  const link = 'https://verify.example.com/hosted/ses_1/confirm?t=abc&x="y"'
  const input = {
    settings: base,
    appName: 'Acme',
    channel: 'email' as const,
    scene: 'signup',
    code: '123456',
    ttlSeconds: 600,
  }

  it('adds the link to both parts of an email, escaped in HTML, inside the card', () => {
    const message = renderMessage({ ...input, link })
    expect(message.text).toContain('123456')
    expect(message.text).toContain(link)
    expect(message.html).toContain('href="https://verify.example.com/hosted/ses_1/confirm?t=abc&amp;x=&quot;y&quot;"')
    expect(message.html).not.toContain('x="y"')
    expect(message.html.indexOf('href=')).toBeLessThan(message.html.indexOf('</div></body>'))
  })

  it('leaves SMS and link-less emails as they were', () => {
    expect(renderMessage({ ...input, link: undefined })).toEqual(renderMessage(input))
    expect(renderMessage({ ...input, channel: 'sms', link }).text).not.toContain('confirm')
  })
})

describe('magic links', () => {
  const link = 'https://verify.example/hosted/ses_1/confirm?t=abc&x=<y>'

  it('beside the code: in the message’s language, escaped in HTML, inside the card', () => {
    const email = render({ channel: 'email', locale: 'de', link })
    expect(email.text).toContain('482913')
    expect(email.text).toContain(`Oder bestätigen Sie über diesen Link (nur einmal gültig):\n\n    ${link}`)
    expect(email.html).toContain('Ja, das bin ich')
    expect(email.html).toContain('href="https://verify.example/hosted/ses_1/confirm?t=abc&amp;x=&lt;y&gt;"')
    expect(email.html.indexOf('Ja, das bin ich')).toBeLessThan(email.html.indexOf('</div></body>'))
  })

  it('instead of the code: the code appears nowhere, in every locale', () => {
    for (const locale of SUPPORTED_LOCALES) {
      const email = render({ channel: 'email', locale, link, linkOnly: true })
      expect(email.text).not.toContain('482913')
      expect(email.html).not.toContain('482913')
      expect(email.subject).toContain('Acme')
      expect(email.text).toContain(link)
      expect(email.html).toContain(locale === 'ar' ? 'dir="rtl"' : 'dir="ltr"')
    }
  })

  it('SMS never carry a link', () => {
    expect(render({ channel: 'sms', link }).text).not.toContain('verify.example')
  })
})
