import { describe, expect, it } from 'vitest'
import { type EventInput, eventDetails, eventPayload } from './event-log.js'

const AT = Date.UTC(2026, 11, 5, 4, 0, 0)

/** The payload of an event, with its details as its row stores them. */
function payloadOf(event: EventInput): unknown {
  const text = eventPayload(event, 'evt_1', AT, JSON.stringify(eventDetails(event)))
  // Every key once: a receiver's strict JSON parser must not see a field twice.
  const keys = [...text.matchAll(/"([a-z_]+)":/g)].map((match) => match[1])
  expect(new Set(keys).size).toBe(keys.length)
  return JSON.parse(text)
}

describe('an event’s webhook payload', () => {
  it('holds the event’s own fields, then who, where, how and what it says', () => {
    const payload = payloadOf({
      appId: 'app_1',
      kind: 'verification.started',
      verificationId: 'ver_1',
      identifierMasked: '+1555***4567',
      userId: 'u_1',
      scene: 'login',
      channel: 'sms',
      test: true,
      details: { sent: false, expires_at: '2026-12-05T04:10:00.000Z' },
    })
    expect(payload).toEqual({
      type: 'verification.started',
      timestamp: '2026-12-05T04:00:00.000Z',
      data: {
        event_id: 'evt_1',
        app_id: 'app_1',
        verification_id: 'ver_1',
        to: '+1555***4567',
        user_id: 'u_1',
        scene: 'login',
        channel: 'sms',
        test: true,
        sent: false,
        expires_at: '2026-12-05T04:10:00.000Z',
      },
    })
  })

  it('lets the details name a field the event has too: a fallback’s `to` is the channel it hands over to', () => {
    const payload = payloadOf({
      appId: 'app_1',
      kind: 'verification.fallback',
      verificationId: 'ver_1',
      identifierMasked: '+1555***4567',
      details: { from: 'whatsapp', to: 'sms', reason: 'undelivered' },
    })
    expect(payload).toEqual({
      type: 'verification.fallback',
      timestamp: '2026-12-05T04:00:00.000Z',
      data: {
        event_id: 'evt_1',
        app_id: 'app_1',
        verification_id: 'ver_1',
        from: 'whatsapp',
        to: 'sms',
        reason: 'undelivered',
      },
    })
  })

  it('is only the event’s own fields when it has no details', () => {
    expect(payloadOf({ appId: 'app_1', kind: 'app.updated' })).toEqual({
      type: 'app.updated',
      timestamp: '2026-12-05T04:00:00.000Z',
      data: { event_id: 'evt_1', app_id: 'app_1' },
    })
  })
})
