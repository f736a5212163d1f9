import Fastify, { type FastifyBaseLogger } from 'fastify'
import type { DestinationStream } from 'pino'
import { describe, expect, it } from 'vitest'
import { createLogger, logFormatFor } from './create-logger.js'
import { scrubText } from './scrub-text.js'

// @see issue 13: no secret in any log, at any level. The e2e test logs-never-contain-secrets runs
// every flow against a real process; these pin each mechanism down on its own.

function capture() {
  const lines: string[] = []
  const destination: DestinationStream = { write: (line: string) => void lines.push(line) }
  const logger = createLogger({ level: 'trace', destination })
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  return { logger, lines, entries }
}

const SESSION = 'ses_01k7yqz3a0m8k2v6c9d4h5j7n1p3r5t7v9x1z3b5d7f9h1k3m5'
const PHONE = '+14155552671'

describe('request lines', () => {
  async function serverWith(logger: FastifyBaseLogger) {
    const server = Fastify({ loggerInstance: logger })
    server.get('/hosted/:session_id/confirm', async () => 'ok')
    server.get('/v1/providers/:provider/status', async () => 'ok')
    await server.ready()
    return server
  }

  it('name the route template, never the URL: no path parameter, no query', async () => {
    const { logger, lines, entries } = capture()
    const server = await serverWith(logger as FastifyBaseLogger)
    await server.inject({ method: 'GET', url: `/hosted/${SESSION}/confirm?t=magic-link-secret` })
    await server.inject({ method: 'GET', url: `/v1/providers/vonage/status?msisdn=${PHONE.slice(1)}` })
    await server.close()
    const incoming = entries().filter((entry) => entry.msg === 'incoming request')
    expect(incoming.map((entry) => (entry.req as { route: string }).route)).toEqual([
      '/hosted/:session_id/confirm',
      '/v1/providers/:provider/status',
    ])
    const text = lines.join('')
    for (const secret of [SESSION, 'magic-link-secret', PHONE.slice(1), '?']) expect(text).not.toContain(secret)
  })

  it('name no path at all for a request that matched no route', async () => {
    const { logger, lines, entries } = capture()
    const server = await serverWith(logger as FastifyBaseLogger)
    const answer = await server.inject({ method: 'GET', url: `/hosted/${SESSION}/confirmx?t=magic-link-secret` })
    await server.close()
    expect(answer.statusCode).toBe(404)
    const incoming = entries().find((entry) => entry.msg === 'incoming request')
    expect(incoming?.req).toMatchObject({ method: 'GET', route: null })
    expect(lines.join('')).not.toContain(SESSION)
    expect(lines.join('')).not.toContain('magic-link-secret')
  })
})

describe('log objects', () => {
  it('censor secret-named fields at any depth, headers included, without touching the caller’s object', () => {
    const { logger, entries } = capture()
    const logged = {
      delivery: { attempts: [{ provider: 'twilio', to: PHONE, verificationCode: 'AB12CD34EF' }] },
      headers: { Authorization: 'Bearer tsk_x', 'X-Verification-Token': 'eyJ.a.b', 'user-agent': 'curl/8' },
      sessionId: SESSION,
    }
    logger.info(logged, 'sent')
    expect(entries()[0]).toMatchObject({
      delivery: { attempts: [{ provider: 'twilio', to: '[redacted]', verificationCode: '[redacted]' }] },
      headers: { Authorization: '[redacted]', 'X-Verification-Token': '[redacted]', 'user-agent': 'curl/8' },
      sessionId: '[redacted]',
    })
    expect(logged.delivery.attempts[0]?.to).toBe(PHONE)
  })

  it('scrub identifiers, keys and tokens out of free text: the message, its arguments, string fields', () => {
    const { logger, lines } = capture()
    logger.warn({ detail: 'Key (identifier)=(lin.shao@example.org) already exists' }, 'sms to %s', PHONE)
    logger.info(`link /hosted/${SESSION}/confirm?t=secret-part for tsk_0123456789abcdef`)
    const text = lines.join('')
    for (const secret of ['lin.shao@example.org', PHONE, SESSION, 'secret-part', 'tsk_0123456789abcdef']) {
      expect(text).not.toContain(secret)
    }
    expect(text).toContain('/hosted/[redacted]/confirm?[redacted]')
  })

  it('censor the bindings of a child logger', () => {
    const { logger, lines } = capture()
    logger.child({ sessionId: SESSION, to: PHONE }).info('child')
    expect(lines.join('')).not.toContain(SESSION)
    expect(lines.join('')).not.toContain(PHONE)
  })
})

describe('errors', () => {
  function hostileError() {
    const error = new Error(`parse failed for /hosted/${SESSION}/confirm?t=secret-part`) as Error &
      Record<string, unknown>
    error.code = 'HPE_INVALID_HEADER_TOKEN'
    error.rawPacket = Buffer.from(`GET /?t=secret-part HTTP/1.1\r\nAuthorization: Bearer tsk_rawkey\r\n`)
    error.detail = `Key (identifier)=(${PHONE})`
    error.cause = Object.assign(new Error(`relay refused ${PHONE}`), { rejected: ['lin.shao@example.org'] })
    return error
  }

  it('keep type, scrubbed message and stack, code and cause; drop every other property', () => {
    const { logger, entries, lines } = capture()
    logger.error({ err: hostileError() }, 'request failed')
    const err = entries()[0]?.err as Record<string, unknown>
    expect(Object.keys(err).sort()).toEqual(['cause', 'code', 'message', 'stack', 'type'])
    expect(err).toMatchObject({
      type: 'Error',
      code: 'HPE_INVALID_HEADER_TOKEN',
      message: 'parse failed for /hosted/[redacted]/confirm?[redacted]',
      cause: { type: 'Error', message: 'relay refused [redacted]' },
    })
    const text = lines.join('')
    for (const secret of [SESSION, 'secret-part', PHONE, 'lin.shao@example.org', 'rawPacket', 'tsk_rawkey']) {
      expect(text).not.toContain(secret)
    }
  })

  it('give a call with an error and no message the scrubbed message, not the raw one', () => {
    const { logger, entries } = capture()
    logger.error(hostileError())
    logger.error({ err: hostileError() })
    for (const entry of entries()) expect(entry.msg).toBe('parse failed for /hosted/[redacted]/confirm?[redacted]')
  })

  it('serialize an error nested in plain data the same way (JSON would write its properties)', () => {
    const { logger, lines } = capture()
    logger.warn({ attempts: [{ provider: 'smtp', failure: hostileError() }] }, 'delivery failed')
    expect(lines.join('')).not.toContain('secret-part')
    expect(lines.join('')).not.toContain('rawPacket')
  })
})

describe('scrubText', () => {
  it.each([
    [
      'Route GET:/v1/users/lin@example.org/factors?x=1 not found',
      'Route GET:/v1/users/[redacted]/factors?[redacted] not found',
    ],
    ['callback from 447700900000 and %2B14155552671', 'callback from [redacted] and [redacted]'],
    ['token eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln used', 'token [redacted] used'],
    ['user Lin.Shao%40Example.ORG', 'user [redacted]'],
    [
      'did you forget? retry in 30 s (ver_01k7yqz3a0m8k2v6c9d4h5j7n1)',
      'did you forget? retry in 30 s (ver_01k7yqz3a0m8k2v6c9d4h5j7n1)',
    ],
  ])('%s', (input, output) => {
    expect(scrubText(input)).toBe(output)
  })

  it('takes linear time on long hostile text and leaves no half secret where it cuts', () => {
    const started = performance.now()
    scrubText(`${'a/'.repeat(500_000)}?`)
    scrubText(`${'1'.repeat(1_000_000)}`)
    expect(performance.now() - started).toBeLessThan(200)
    const cut = scrubText(`${'word '.repeat(1638)}+14155552671 tail`)
    expect(cut).not.toContain('1415')
    expect(cut.endsWith('…[truncated]')).toBe(true)
  })
})

describe('formats', () => {
  it.each([
    [undefined, true, 'development', 'pretty'],
    [undefined, false, 'development', 'json'],
    [undefined, true, 'production', 'json'],
    ['json', true, 'development', 'json'],
    ['pretty', false, 'production', 'pretty'],
  ] as const)('LOG_FORMAT=%s, terminal %s, NODE_ENV=%s: %s', (configured, isTerminal, nodeEnv, expected) => {
    expect(logFormatFor({ configured, isTerminal, nodeEnv })).toBe(expected)
  })

  it('pretty: one readable line per entry, scrubbed exactly as the JSON line is', () => {
    const lines: string[] = []
    const logger = createLogger({
      level: 'info',
      format: 'pretty',
      colorize: false,
      destination: { write: (line: string) => void lines.push(line) },
    })
    logger.info({ verificationId: 'ver_1', token: 'tok-secret-1', to: PHONE }, `sent to ${PHONE}`)
    logger.error({ err: new Error(`failed for ada@example.com at ${SESSION}`) }, 'delivery failed')
    logger.child({ apiKey: 'tsk_live_secret' }).warn('child line')
    expect(lines).toHaveLength(3)
    for (const line of lines) {
      // One line each, ending the entry; not JSON.
      expect(line.trimEnd().includes('\n')).toBe(false)
      expect(line.endsWith('\n')).toBe(true)
      expect(line.startsWith('{')).toBe(false)
    }
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: sent to \[redacted\] \{.*"verificationId":"ver_1"/)
    expect(lines[1]).toMatch(/ERROR: delivery failed .*"type":"Error"/)
    expect(lines[2]).toMatch(/WARN: child line/)
    const text = lines.join('')
    for (const secret of ['tok-secret-1', PHONE, PHONE.slice(1), 'ada@example.com', SESSION, 'tsk_live_secret']) {
      expect(text).not.toContain(secret)
    }
  })
})
