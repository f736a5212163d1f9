import { describe, expect, it } from 'vitest'
import { ipRangeOf } from './ip-range.js'

describe('ipRangeOf', () => {
  it.each([
    ['1.2.3.4', '1.2.3.0/24'],
    ['1.2.3.255', '1.2.3.0/24'],
    ['203.0.113.7', '203.0.113.0/24'],
    ['0.0.0.0', '0.0.0.0/24'],
    ['255.255.255.255', '255.255.255.0/24'],
  ])('puts the IPv4 address %s in %s', (ip, range) => {
    expect(ipRangeOf(ip)).toBe(range)
  })

  it('gives two addresses of one /24 the same range and a neighbouring /24 another', () => {
    expect(ipRangeOf('198.51.100.1')).toBe(ipRangeOf('198.51.100.254'))
    expect(ipRangeOf('198.51.100.1')).not.toBe(ipRangeOf('198.51.101.1'))
    expect(ipRangeOf('198.51.100.1')).not.toBe(ipRangeOf('198.52.100.1'))
  })

  it('puts an IPv6 address in its /56: the first three groups and the high byte of the fourth', () => {
    expect(ipRangeOf('2001:db8:1234:5678::1')).toBe('2001:db8:1234:5600::/56')
    expect(ipRangeOf('2001:db8:1234:5678:9abc:def0:1234:5678')).toBe('2001:db8:1234:5600::/56')
  })

  it('gives every address of one /56 the same range, whatever the low 72 bits', () => {
    const range = ipRangeOf('2001:db8:aaaa:bb00::')
    for (const ip of [
      '2001:db8:aaaa:bb00::1',
      '2001:db8:aaaa:bbff::1',
      '2001:db8:aaaa:bb12:ffff:ffff:ffff:ffff',
      '2001:db8:aaaa:bb80:1:2:3:4',
    ]) {
      expect(ipRangeOf(ip), ip).toBe(range)
    }
  })

  it('tells neighbouring /56 ranges apart', () => {
    const range = ipRangeOf('2001:db8:aaaa:bb00::1')
    for (const ip of [
      '2001:db8:aaaa:bc00::1',
      '2001:db8:aaaa:ba00::1',
      '2001:db8:aaab:bb00::1',
      '2001:db9:aaaa:bb00::1',
    ]) {
      expect(ipRangeOf(ip), ip).not.toBe(range)
    }
  })

  it('names one range whatever the spelling: zero compression, leading zeros, case', () => {
    const range = ipRangeOf('2001:db8:0:1200::1')
    for (const ip of [
      '2001:0db8:0000:1200:0000:0000:0000:0001',
      '2001:DB8:0:1200::1',
      '2001:db8::1200:0:0:0:1',
      '2001:db8:0:12ab::',
    ]) {
      expect(ipRangeOf(ip), ip).toBe(range)
    }
  })

  it('handles the compressed edge forms', () => {
    expect(ipRangeOf('::')).toBe(ipRangeOf('0:0:0:0:0:0:0:0'))
    expect(ipRangeOf('::1')).toBe(ipRangeOf('0:0:0:0:0:0:0:1'))
    expect(ipRangeOf('2001:db8::')).toBe(ipRangeOf('2001:db8:0:0:0:0:0:0'))
    expect(ipRangeOf('fe80::1')).toBe('fe80:0:0:0::/56')
  })

  it('puts an IPv4-mapped IPv6 address in its IPv4 /24, however it is written', () => {
    for (const ip of [
      '::ffff:1.2.3.4',
      '::FFFF:1.2.3.4',
      // The hexadecimal spelling (Python's ipaddress before 3.13, many proxies) and the uncompressed ones.
      '::ffff:102:304',
      '0:0:0:0:0:ffff:1.2.3.4',
      '0:0:0:0:0:ffff:0102:0304',
    ]) {
      expect(ipRangeOf(ip), ip).toBe('1.2.3.0/24')
    }
    expect(ipRangeOf('::ffff:1.2.3.4')).toBe(ipRangeOf('1.2.3.200'))
    // Mapped addresses of different IPv4 networks must not share one IPv6 range.
    expect(ipRangeOf('::ffff:102:304')).not.toBe(ipRangeOf('::ffff:506:708'))
  })

  it('reads an embedded dotted IPv4 tail as the last two groups', () => {
    expect(ipRangeOf('a::c:d:e:f:1.2.3.4')).toBe(ipRangeOf('a:0:c:d:e:f:102:304'))
    expect(ipRangeOf('64:ff9b::192.0.2.33')).toBe(ipRangeOf('64:ff9b::c000:221'))
  })

  it.each(['', 'not-an-ip', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4/24', '2001:db8::1::2', ':::', 'gggg::1'])(
    'answers undefined for %j',
    (ip) => {
      expect(ipRangeOf(ip)).toBeUndefined()
    },
  )
})
