import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireVerification as expressGuard } from '../src/middleware/express.js'
import { type FastifyLikeRequest, requireVerification as fastifyGuard } from '../src/middleware/fastify.js'
import { requireVerification as webGuard } from '../src/middleware/web.js'
import { Tessera } from '../src/tessera.js'
import { newPhone, type RunningTessera, startTessera } from './helpers/tessera-server.js'

// The three middleware in real frameworks over real HTTP, with tokens from a real Tessera.

let server: RunningTessera
let tessera: Tessera
let expressUrl: string
let fastifyUrl: string
let closeExpress: () => Promise<void>
const fastify = Fastify()

async function tokenFor(scene: string, userId?: string): Promise<string> {
  const to = newPhone()
  const started = await tessera.verifications.start({
    channel: 'sms',
    to,
    scene,
    ...(userId ? { user_id: userId } : {}),
  })
  const checked = await tessera.verifications.check({
    verification_id: started.verification_id,
    verification_code: await server.codeSentTo(to),
  })
  return String(checked.verification_token)
}

beforeAll(async () => {
  server = await startTessera()
  tessera = new Tessera({ baseUrl: server.url, apiKey: server.apiKey, appId: server.appId })

  const app = express()
  app.post('/transfer', expressGuard({ tessera, scene: 'step-up' }), (req, res) => {
    res.json({ ok: true, verification: req.verification })
  })
  app.post('/delete-account', expressGuard({ tessera, scene: 'step-up', consume: true }), (req, res) => {
    res.json({ ok: true, consumed: req.verification?.consumed })
  })
  app.post('/profile', expressGuard({ tessera, scene: ['login', 'signup'] }), (req, res) => {
    res.json({ ok: true, verification: req.verification })
  })
  app.post(
    '/users/:id/email',
    expressGuard({ tessera, scene: 'login', userId: (req) => String(req.params.id) }),
    (_req, res) => {
      res.json({ ok: true })
    },
  )
  const listening = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => listening.once('listening', () => resolve()))
  expressUrl = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`
  closeExpress = () => new Promise((resolve) => listening.close(() => resolve()))

  fastify.post('/transfer', { preHandler: fastifyGuard({ tessera, scene: 'step-up' }) }, async (request) => ({
    ok: true,
    scene: (request as FastifyLikeRequest).verification?.scene,
  }))
  fastify.post(
    '/delete-account',
    { preHandler: fastifyGuard({ tessera, scene: 'step-up', consume: true }) },
    async () => ({ ok: true }),
  )
  fastifyUrl = await fastify.listen({ port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await closeExpress?.()
  await fastify.close()
  await server?.stop()
})

const post = (url: string, token?: string) =>
  fetch(url, { method: 'POST', headers: token === undefined ? {} : { 'x-verification-token': token } })

describe.each([
  ['Express', () => expressUrl],
  ['Fastify', () => fastifyUrl],
])('requireVerification for %s', (_name, base) => {
  it('lets a valid token of the scene through, checked offline', async () => {
    const response = await post(`${base()}/transfer`, await tokenFor('step-up'))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ ok: true })
  })

  it('answers 401 in Tessera’s error shape without a token, or with a forged one', async () => {
    const missing = await post(`${base()}/transfer`)
    expect(missing.status).toBe(401)
    expect(await missing.json()).toMatchObject({ error: 'unauthorized', error_code: 4010 })
    const token = await tokenFor('step-up')
    const forged = await post(`${base()}/transfer`, `${token.slice(0, -4)}AAAA`)
    expect(forged.status).toBe(401)
  })

  it('answers 403 for a token of another scene', async () => {
    const response = await post(`${base()}/transfer`, await tokenFor('login'))
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: 'forbidden', error_code: 4030 })
  })

  it('consumes online with consume: true — a replayed token is refused, even in parallel', async () => {
    const token = await tokenFor('step-up')
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(`${base()}/delete-account`, token)))
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1)
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(4)
  })
})

describe('requireVerification for Express, details', () => {
  it('puts the verified token on req.verification', async () => {
    const response = await post(`${expressUrl}/profile`, await tokenFor('login', 'u_7'))
    const body = (await response.json()) as { verification: Record<string, unknown> }
    expect(body.verification).toMatchObject({ scene: 'login', channel: 'sms', user_id: 'u_7', consumed: false })
    expect(body.verification.verification_id).toMatch(/^ver_/)
  })

  it('refuses a token about another user when the route names its user', async () => {
    expect((await post(`${expressUrl}/users/u_8/email`, await tokenFor('login', 'u_8'))).status).toBe(200)
    const other = await post(`${expressUrl}/users/u_8/email`, await tokenFor('login', 'u_9'))
    expect(other.status).toBe(403)
  })
})

describe('requireVerification for fetch-based frameworks', () => {
  it('answers the verified token, or the Response to send instead', async () => {
    const guard = webGuard({ tessera, scene: 'step-up' })
    const request = (token?: string) =>
      new Request('http://app.example/transfer', {
        method: 'POST',
        headers: token === undefined ? {} : { 'x-verification-token': token },
      })
    const verified = await guard(request(await tokenFor('step-up')))
    expect(verified).not.toBeInstanceOf(Response)
    expect(verified).toMatchObject({ scene: 'step-up', user_id: null, channel: 'sms' })
    const refused = await guard(request())
    expect(refused).toBeInstanceOf(Response)
    expect((refused as Response).status).toBe(401)
    expect(await (refused as Response).json()).toMatchObject({ error: 'unauthorized' })
    const wrongScene = await guard(request(await tokenFor('signup')))
    expect((wrongScene as Response).status).toBe(403)
  })

  it('reads the token where getToken says, and consumes it once', async () => {
    const guard = webGuard({
      tessera,
      scene: 'signup',
      consume: true,
      getToken: async (request) => ((await request.clone().json()) as { token?: string }).token,
    })
    const token = await tokenFor('signup')
    const request = () => new Request('http://app.example/signup', { method: 'POST', body: JSON.stringify({ token }) })
    expect(await guard(request())).toMatchObject({ scene: 'signup', consumed: true })
    expect(((await guard(request())) as Response).status).toBe(401)
  })
})
