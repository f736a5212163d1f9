import { isIPv4, isIPv6 } from 'node:net'

/**
 * The network an address belongs to for limits: its /24 for IPv4 and its /56
 * for IPv6 (the usual size of one customer's delegation), so one attacker
 * rotating addresses inside their own range still shares one budget.
 */
export function ipRangeOf(ip: string): string | undefined {
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`
  if (!isIPv6(ip)) return undefined
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped?.[1]) return ipRangeOf(mapped[1])
  const groups = expandIpv6(ip)
  // 56 bits: three full groups and the high byte of the fourth.
  const fourth = (Number.parseInt(groups[3] ?? '0', 16) & 0xff00).toString(16)
  return `${groups.slice(0, 3).join(':')}:${fourth}::/56`
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::')
  const left = head ? head.split(':') : []
  const right = ip.includes('::') ? (tail ? tail.split(':') : []) : []
  const missing = 8 - left.length - right.length
  return [...left, ...Array.from({ length: Math.max(0, missing) }, () => '0'), ...right].map((g) =>
    Number.parseInt(g || '0', 16).toString(16),
  )
}
