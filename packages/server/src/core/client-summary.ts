import { isIPv4, isIPv6 } from 'node:net'

/**
 * An address as a session list shows it: enough to tell "my office" from "somewhere else", not enough to
 * name a host. IPv4 keeps its /24 (`203.0.113.*`), IPv6 its first three groups (`2001:db8:1:*`).
 */
export function maskClientIp(ip: string | undefined): string | null {
  if (!ip) return null
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  const address = mapped?.[1] ?? ip
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.*`
  if (isIPv6(address)) {
    const head = address.split('::')[0] ?? ''
    const groups = head === '' ? [] : head.split(':')
    return `${[...groups, '0', '0', '0'].slice(0, 3).join(':')}:*`
  }
  return null
}

const BROWSERS: readonly [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/\bOPR\/(\d+)/, 'Opera'],
  [/\bFirefox\/(\d+)/, 'Firefox'],
  [/\bChrom(?:e|ium)\/(\d+)/, 'Chrome'],
  [/\bVersion\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
  [/\bcurl\/(\d+)/, 'curl'],
]
const SYSTEMS: readonly [RegExp, string][] = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bLinux\b/, 'Linux'],
]

/** A User-Agent as a session list shows it (`Chrome 120 on Linux`): the whole header is never stored. */
export function summarizeUserAgent(userAgent: string | undefined): string | null {
  if (!userAgent) return null
  const text = userAgent.slice(0, 512)
  const browser = BROWSERS.map(([pattern, name]) => {
    const match = pattern.exec(text)
    return match ? `${name} ${match[1]}` : undefined
  }).find((found) => found !== undefined)
  const system = SYSTEMS.find(([pattern]) => pattern.test(text))?.[1]
  if (!browser && !system) return 'Other'
  return [browser ?? 'Browser', system].filter(Boolean).join(' on ')
}
