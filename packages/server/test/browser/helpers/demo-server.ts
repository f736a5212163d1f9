import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { createTessera } from '../../../src/app.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createCaptureProvider } from '../../helpers/capture-provider.js'
import { createFakeClock } from '../../helpers/fake-clock.js'

export const DEMO_ADMIN_KEY = 'tadm_demo_admin_key_0123456789abcdef'
export const DEMO_REDIRECT = 'http://localhost:3999/after-verification'

/**
 * An in-process Tessera on a random port with a capture provider: for the
 * screenshots script (the browser tests use the real process and receivers).
 */
export async function startDemo(options: { hoursOfTraffic?: number } = {}) {
  const hours = options.hoursOfTraffic ?? 0
  // A clock that starts `hours` ago: seeded traffic spreads over the dashboard's window, then it catches up.
  const clock = createFakeClock(Date.now() - hours * 3600 * 1000)
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-demo-'))
  const capture = createCaptureProvider()
  // NODE_ENV=test: the capture provider (codes read in process) is refused anywhere else.
  const config = loadConfig({ NODE_ENV: 'test', TESSERA_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' })
  const tessera = await createTessera({
    config,
    secret: 'demo-secret-0123456789-0123456789-0123456789',
    adminKey: DEMO_ADMIN_KEY,
    logger: pino({ level: 'silent' }),
    clock,
    extraProviders: [capture.provider],
    deliveryRoutes: { sms: [{ type: 'capture' }], email: [{ type: 'capture' }] },
  })
  await tessera.server.listen({ port: 0, host: '127.0.0.1' })
  const address = tessera.server.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  tessera.setListeningPort(port)
  const base = `http://127.0.0.1:${port}`
  const api = async (method: string, path: string, key: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>)
  }
  const app = (await api('POST', '/admin/v1/apps', DEMO_ADMIN_KEY, {
    name: 'Northwind Bank',
    settings: { redirect_urls: [DEMO_REDIRECT], brand_color: '#0F766E', email_magic_link: true },
  })) as { app_id: string }
  const key = (await api('POST', `/admin/v1/apps/${app.app_id}/keys`, DEMO_ADMIN_KEY, { name: 'web' })) as {
    key: string
  }
  const numbers: Record<string, (n: number) => string> = {
    US: (n) => `+1415555${String(1000 + n).slice(-4)}`,
    GB: (n) => `+4477009${String(100000 + n).slice(-5)}`,
    DE: (n) => `+4915123${String(100000 + n).slice(-6)}`,
    IN: (n) => `+9198${String(10000000 + n).slice(-8)}`,
    BR: (n) => `+55119${String(10000000 + n).slice(-8)}`,
    FR: (n) => `+336${String(10000000 + n).slice(-8)}`,
  }
  const weights: [string, number, number][] = [
    ['US', 5, 0.86],
    ['GB', 3, 0.82],
    ['DE', 2, 0.8],
    ['IN', 4, 0.55],
    ['BR', 2, 0.7],
    ['FR', 1, 0.85],
    ['email', 4, 0.78],
  ]
  /** Deterministic pseudo-random traffic: per hour, verifications per country, most approved, a few failures. */
  async function seedTraffic(): Promise<void> {
    let serial = 0
    let seed = 7
    const random = () => {
      seed = (seed * 16_807) % 2_147_483_647
      return seed / 2_147_483_647
    }
    for (let hour = 0; hour < hours; hour++) {
      const busy = 0.5 + Math.sin((hour / 24) * Math.PI * 2 - 1.2) * 0.4
      for (const [country, weight, approval] of weights) {
        const count = Math.round(weight * busy * (0.6 + random()))
        for (let i = 0; i < count; i++) {
          serial++
          const channel = country === 'email' ? 'email' : 'sms'
          const to = channel === 'email' ? `user${serial}@example.com` : (numbers[country]?.(serial) ?? '')
          if (random() < 0.04) capture.failNext(1)
          const started = await fetch(`${base}/v1/verifications`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ channel, to, scene: random() < 0.3 ? 'login' : 'signup' }),
          })
          if (started.status !== 201) continue
          const { verification_id } = (await started.json()) as { verification_id: string }
          if (random() < approval) {
            await api('POST', '/v1/verifications/verify', key.key, {
              verification_id,
              verification_code: capture.lastCode(to),
            })
          } else if (random() < 0.5) {
            await fetch(`${base}/v1/verifications/verify`, {
              method: 'POST',
              headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
              body: JSON.stringify({ verification_id, verification_code: '000000' }),
            })
          }
          clock.advanceSeconds(Math.floor(3600 / (count + 1)) % 600)
        }
      }
      clock.set(Date.now() - (hours - hour - 1) * 3600 * 1000)
    }
    clock.set(Date.now())
  }

  return {
    base,
    clock,
    seedTraffic,
    appId: app.app_id,
    appKey: key.key,
    capture,
    api,
    async createSession(body: Record<string, unknown>) {
      return (await api('POST', '/v1/sessions', key.key, { redirect_url: DEMO_REDIRECT, ...body })) as {
        session_id: string
        url: string
      }
    },
    lastLink(): string {
      const text = capture.messages.at(-1)?.text ?? ''
      const link = /(https?:\/\/\S+\/confirm\?t=[A-Za-z0-9_-]+)/.exec(text)?.[1]
      if (!link) throw new Error('no magic link in the last message')
      return link
    },
    async close() {
      await tessera.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
