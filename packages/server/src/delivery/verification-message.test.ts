import { describe, expect, it } from 'vitest'
import { escapeHtml, renderVerificationMessage } from './verification-message.js'

const base = { appName: 'Acme', code: '482913', ttlSeconds: 600 }

describe('renderVerificationMessage for SMS', () => {
  it('names the app, the code and the lifetime in one text', () => {
    const message = renderVerificationMessage({ ...base, channel: 'sms' })
    expect(message.text).toBe(
      'Your Acme verification code is 482913. It expires in 10 minutes. Do not share it with anyone.',
    )
    expect(message.html).toBe('')
  })

  it('fits in one SMS segment for a typical app name', () => {
    expect(renderVerificationMessage({ ...base, channel: 'sms' }).text.length).toBeLessThanOrEqual(160)
  })
})

describe('renderVerificationMessage for email', () => {
  it('names the app in the subject and the app, code and lifetime in both parts', () => {
    const message = renderVerificationMessage({ ...base, channel: 'email' })
    expect(message.subject).toBe('Your Acme verification code')
    expect(message.text).toContain('Your Acme verification code is:')
    expect(message.text).toContain('482913')
    expect(message.text).toContain('It expires in 10 minutes.')
    expect(message.html).toContain('<strong>Acme</strong>')
    expect(message.html).toContain('>482913</p>')
    expect(message.html).toContain('It expires in 10 minutes.')
    expect(message.html).toMatch(/^<!doctype html>/)
  })

  it('escapes the app name in HTML, but not in the plain text', () => {
    const appName = `<script>&"'`
    const message = renderVerificationMessage({ ...base, appName, channel: 'email' })
    expect(message.html).not.toContain('<script>')
    expect(message.html).toContain('&lt;script&gt;&amp;&quot;&#39;')
    expect(message.html).toContain('<title>Your &lt;script&gt;&amp;&quot;&#39; verification code</title>')
    expect(message.text).toContain(`Your ${appName} verification code is:`)
  })
})

describe('renderVerificationMessage lifetimes', () => {
  it.each([
    [600, '10 minutes'],
    [60, '1 minute'],
    [45, '45 seconds'],
    [1, '1 second'],
    [59, '59 seconds'],
    [120, '2 minutes'],
    [3600, '60 minutes'],
    [86_400, '1440 minutes'],
  ])('says a %i-second code expires in %s', (ttlSeconds, phrase) => {
    for (const channel of ['sms', 'email'] as const) {
      const message = renderVerificationMessage({ ...base, ttlSeconds, channel })
      expect(message.text).toContain(`expires in ${phrase}.`)
      if (channel === 'email') expect(message.html).toContain(`expires in ${phrase}.`)
    }
  })
})

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters and nothing else', () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;',
    )
    expect(escapeHtml('Acme Ünïcode 123')).toBe('Acme Ünïcode 123')
  })

  it('escapes an ampersand once, so existing entities stay visible as text', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;')
  })
})

describe('renderVerificationMessage with a magic link', () => {
  const link = 'https://verify.example.com/hosted/ses_1/confirm?t=abc&x="y"'

  it('puts the link in both parts of an email, escaped in HTML', () => {
    const message = renderVerificationMessage({
      channel: 'email',
      appName: 'Acme',
      code: '123456',
      ttlSeconds: 600,
      link,
    })
    expect(message.text).toContain(link)
    expect(message.text).toContain('123456')
    expect(message.html).toContain('href="https://verify.example.com/hosted/ses_1/confirm?t=abc&amp;x=&quot;y&quot;"')
    expect(message.html).not.toContain('x="y"')
  })

  it('leaves it out where there is none', () => {
    const message = renderVerificationMessage({ channel: 'email', appName: 'Acme', code: '123456', ttlSeconds: 600 })
    expect(message.text).not.toContain('link')
    expect(message.html).not.toContain('href')
  })
})
