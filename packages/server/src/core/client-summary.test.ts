import { describe, expect, it } from 'vitest'
import { maskClientIp, summarizeUserAgent } from './client-summary.js'

describe('maskClientIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.*'],
    ['::ffff:198.51.100.4', '198.51.100.*'],
    ['2001:db8:aa:bb::5', '2001:db8:aa:*'],
    ['2001:db8::1', '2001:db8:0:*'],
    ['::1', '0:0:0:*'],
    ['not-an-ip', null],
    [undefined, null],
  ])('shows %s as %s', (ip, masked) => {
    expect(maskClientIp(ip)).toBe(masked)
  })
})

describe('summarizeUserAgent', () => {
  it.each([
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome 131 on Linux',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge 131 on Windows',
    ],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox 133 on macOS'],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      'Safari 18 on iOS',
    ],
    ['curl/8.5.0', 'curl 8'],
    ['something else', 'Other'],
    [undefined, null],
  ])('summarises %s as %s', (userAgent, summary) => {
    expect(summarizeUserAgent(userAgent)).toBe(summary)
  })
})
