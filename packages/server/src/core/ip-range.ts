import { isIPv4, isIPv6 } from 'node:net'

/**
 * The network an address belongs to for limits: its /24 for IPv4 and its /56
 * for IPv6 (the usual size of one customer's delegation), so one attacker
 * rotating addresses inside their own range still shares one budget.
 * IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, in any spelling) count as
 * their IPv4 address.
 */
export function ipRangeOf(ip: string): string | undefined {
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`
  if (!isIPv6(ip)) return undefined
  const groups = expandIpv6(ip.split('%')[0] ?? '')
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6)
    return `${high >> 8}.${high & 0xff}.${low >> 8}.0/24`
  }
  // 56 bits: three full groups and the high byte of the fourth.
  const fourth = ((groups[3] ?? 0) & 0xff00).toString(16)
  return `${groups
    .slice(0, 3)
    .map((group) => group.toString(16))
    .join(':')}:${fourth}::/56`
}

/** The eight 16-bit groups of a valid IPv6 address (a dotted IPv4 tail is two groups). */
function expandIpv6(ip: string): number[] {
  let text = ip
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail = ''] = text.split('::')
  const left = head ? head.split(':') : []
  const right = text.includes('::') ? (tail ? tail.split(':') : []) : []
  const missing = 8 - left.length - right.length
  return [...left, ...Array.from({ length: Math.max(0, missing) }, () => '0'), ...right].map((g) =>
    Number.parseInt(g || '0', 16),
  )
}
