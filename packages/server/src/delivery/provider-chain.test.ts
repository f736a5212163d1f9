import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../../test/helpers/fake-clock.js'
import { CircuitBreaker } from './circuit-breaker.js'
import { DeliveryError, type DeliveryErrorKind, type MessageSender, type OutboundMessage } from './delivery-provider.js'
import { type ChainLink, sendThroughChain } from './provider-chain.js'

const message: OutboundMessage = {
  channel: 'sms',
  to: '+14155552671',
  subject: '',
  text: 'code 123456',
  html: '',
  verificationId: 'ver_1',
  locale: 'en',
  values: { code: '123456', app_name: 'Acme', minutes: '10' },
}

type Script = 'ok' | 'hang' | DeliveryErrorKind

function scripted(name: string, plan: Script[], calls: string[]): MessageSender {
  return {
    send(_message, options) {
      calls.push(name)
      const step = plan.shift() ?? 'ok'
      if (step === 'ok') return Promise.resolve({ provider: name, providerMessageId: `${name}-id`, status: 'queued' })
      if (step === 'hang') {
        return new Promise((_resolve, reject) => {
          options.signal.addEventListener('abort', () => reject(new DeliveryError('late', { code: 'timeout' })))
        })
      }
      return Promise.reject(new DeliveryError(`${name} ${step}`, { kind: step, code: `${name}-${step}` }))
    },
  }
}

function chain(clock: { nowMs(): number }, ...links: [string, Script[], number?][]) {
  const calls: string[] = []
  const built: ChainLink[] = links.map(([name, plan, timeoutMs]) => ({
    provider: name,
    sender: scripted(name, plan, calls),
    timeoutMs: timeoutMs ?? 1000,
    breaker: new CircuitBreaker({ failureThreshold: 2, cooldownMs: 30_000 }, () => clock.nowMs()),
  }))
  return {
    links: built,
    calls,
    send: () =>
      sendThroughChain(
        built,
        message,
        (p) => `cb/${p}`,
        () => clock.nowMs(),
      ),
  }
}

describe('sendThroughChain', () => {
  it('uses the first provider when it works, recording one attempt', async () => {
    const clock = createFakeClock()
    const c = chain(clock, ['twilio', ['ok']], ['vonage', ['ok']])
    const outcome = await c.send()
    expect(outcome.delivered).toBe(true)
    expect(c.calls).toEqual(['twilio'])
    expect(outcome.attempts).toEqual([
      {
        provider: 'twilio',
        status: 'queued',
        providerMessageId: 'twilio-id',
        errorCode: undefined,
        atMs: clock.nowMs(),
      },
    ])
  })

  it('fails over in order on errors and on timeouts, recording every attempt', async () => {
    const clock = createFakeClock()
    const c = chain(clock, ['a', ['unavailable']], ['b', ['hang'], 50], ['c', ['rejected']], ['d', ['ok']])
    const outcome = await c.send()
    expect(c.calls).toEqual(['a', 'b', 'c', 'd'])
    expect(outcome.delivered).toBe(true)
    expect(outcome.attempts.map((a) => [a.provider, a.status, a.errorCode])).toEqual([
      ['a', 'failed', 'a-unavailable'],
      ['b', 'failed', 'timeout'],
      ['c', 'failed', 'c-rejected'],
      ['d', 'queued', undefined],
    ])
  })

  it('stops at an invalid recipient: no other provider is tried', async () => {
    const clock = createFakeClock()
    const c = chain(clock, ['a', ['invalid_recipient']], ['b', ['ok']])
    const outcome = await c.send()
    expect(outcome).toMatchObject({ delivered: false, reason: 'invalid_recipient' })
    expect(c.calls).toEqual(['a'])
  })

  it('answers all_failed when every provider fails', async () => {
    const c = chain(createFakeClock(), ['a', ['unavailable']], ['b', ['rejected']])
    expect(await c.send()).toMatchObject({ delivered: false, reason: 'all_failed' })
  })

  it('takes a repeatedly failing provider out for the cool-down, then lets one probe put it back', async () => {
    const clock = createFakeClock()
    const c = chain(clock, ['a', ['unavailable', 'unavailable', 'ok', 'ok']], ['b', []])
    await c.send()
    await c.send()
    // Two failures in a row: a is open. The next messages skip it without trying.
    c.calls.length = 0
    const skipping = await c.send()
    expect(c.calls).toEqual(['b'])
    expect(skipping.skipped).toEqual(['a'])
    clock.advanceSeconds(29)
    await c.send()
    expect(c.calls).toEqual(['b', 'b'])
    // After the cool-down one message probes a; it works and a carries again.
    clock.advanceSeconds(1)
    c.calls.length = 0
    const probe = await c.send()
    expect(c.calls).toEqual(['a'])
    expect(probe.skipped).toEqual([])
    expect(c.links[0]?.breaker.state()).toBe('closed')
  })

  it('a failed probe opens the breaker for another cool-down', async () => {
    const clock = createFakeClock()
    const c = chain(clock, ['a', ['unavailable', 'unavailable', 'unavailable']], ['b', []])
    await c.send()
    await c.send()
    clock.advanceSeconds(30)
    c.calls.length = 0
    await c.send()
    expect(c.calls).toEqual(['a', 'b'])
    expect(c.links[0]?.breaker.state()).toBe('open')
  })

  it('while one probe is out, other messages keep skipping the provider', () => {
    const clock = createFakeClock()
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000 }, () => clock.nowMs())
    breaker.failed()
    expect(breaker.tryAcquire()).toBe(false)
    clock.advanceSeconds(1)
    expect(breaker.tryAcquire()).toBe(true)
    expect(breaker.tryAcquire()).toBe(false)
    breaker.succeeded()
    expect(breaker.tryAcquire()).toBe(true)
  })

  it('tries the first provider anyway when every breaker is open', async () => {
    const clock = createFakeClock()
    const c = chain(clock, ['a', ['unavailable', 'unavailable', 'ok']])
    await c.send()
    await c.send()
    c.calls.length = 0
    const outcome = await c.send()
    expect(c.calls).toEqual(['a'])
    expect(outcome.delivered).toBe(true)
  })
})
