import { randomBytes } from 'node:crypto'
import { InvalidCodeError, type Tessera, TesseraError } from '@tessera/client'
import { requireVerification } from '@tessera/client/express'
import express, { type Request, type Response } from 'express'

// A product's signup and a sensitive action, with Tessera doing the verifying through @tessera/client only:
// - signup: a hosted Tessera page verifies the person's phone (session → redirect → code exchange → consume);
// - deleting the account needs a fresh step-up verification of that phone, checked by requireVerification.
// Users and sessions live in memory: this is about the integration, not about storage.

export interface SignupAppOptions {
  readonly tessera: Tessera
  /** This app's own public URL (the hosted page sends people back to `${publicUrl}/signup/done`). */
  readonly publicUrl: () => string
}

interface User {
  readonly id: string
  /** E.164, as Tessera verified it. */
  readonly phone: string
}

const COOKIE = 'example_session'

export function createSignupApp(options: SignupAppOptions): express.Express {
  const { tessera } = options
  const usersByPhone = new Map<string, User>()
  /** Browser sessions: a signup in progress (the hosted session we created and its state) and the signed-in user. */
  const sessions = new Map<string, { signup?: { sessionId: string; state: string }; userId?: string }>()

  const sessionOf = (request: Request, response: Response) => {
    let id = cookie(request, COOKIE)
    if (id === undefined || !sessions.has(id)) {
      id = randomBytes(24).toString('base64url')
      sessions.set(id, {})
      response.cookie(COOKIE, id, { httpOnly: true, sameSite: 'lax', path: '/' })
    }
    return sessions.get(id) as { signup?: { sessionId: string; state: string }; userId?: string }
  }
  const currentUser = (request: Request, response: Response) => {
    const userId = sessionOf(request, response).userId
    return [...usersByPhone.values()].find((user) => user.id === userId)
  }

  const app = express()
  app.use(express.urlencoded({ extended: false }))

  app.get('/', (request, response) => {
    const user = currentUser(request, response)
    response
      .type('html')
      .send(
        page(
          'Welcome',
          user
            ? `<p>Signed in as ${escapeHtml(mask(user.phone))}. <a href="/account">Your account</a></p>`
            : '<form method="post" action="/signup"><button>Sign up with your phone</button></form>',
        ),
      )
  })

  // 1. Signup starts a hosted session and sends the person there. `response_mode: 'code'` keeps the token out of
  //    every URL; `state` ties the redirect back to this browser.
  app.post('/signup', async (request, response) => {
    const state = randomBytes(16).toString('base64url')
    const session = await tessera.sessions.create({
      channel: 'sms',
      scene: 'signup',
      redirect_url: `${options.publicUrl()}/signup/done`,
      response_mode: 'code',
      state,
    })
    sessionOf(request, response).signup = { sessionId: session.session_id, state }
    response.redirect(303, session.url)
  })

  // 2. The hosted page sends the person back with a one-time code: exchange it at the session *we* created, then
  //    consume the token (single use) and read the verified phone from Tessera's answer.
  app.get('/signup/done', async (request, response) => {
    const session = sessionOf(request, response)
    const pending = session.signup
    if (!pending || request.query.state !== pending.state || typeof request.query.code !== 'string') {
      response.status(400).type('html').send(page('Signup failed', '<p>This signup link is not yours.</p>'))
      return
    }
    session.signup = undefined
    try {
      const { verification_token } = await tessera.sessions.exchange(pending.sessionId, { code: request.query.code })
      const proof = await tessera.tokens.consume({ verification_token, scene: 'signup' })
      if (!proof.active || proof.to === null) throw new Error('the signup token is not active')
      const user = usersByPhone.get(proof.to) ?? { id: `u_${randomBytes(8).toString('hex')}`, phone: proof.to }
      usersByPhone.set(user.phone, user)
      session.userId = user.id
      response.redirect(303, '/account')
    } catch (error) {
      if (!(error instanceof TesseraError) && !(error instanceof Error)) throw error
      response.status(400).type('html').send(page('Signup failed', '<p>The verification did not go through.</p>'))
    }
  })

  app.get('/account', (request, response) => {
    const user = currentUser(request, response)
    if (!user) {
      response.redirect(303, '/')
      return
    }
    response.type('html').send(
      page(
        'Your account',
        `<p id="phone">${escapeHtml(mask(user.phone))}</p>
<form method="post" action="/account/step-up"><button>Delete my account…</button></form>`,
      ),
    )
  })

  // 3. Step-up: a fresh code to the user's own phone, in the `step-up` scene.
  app.post('/account/step-up', async (request, response) => {
    const user = currentUser(request, response)
    if (!user) {
      response.redirect(303, '/')
      return
    }
    const verification = await tessera.verifications.start({ channel: 'sms', to: user.phone, scene: 'step-up' })
    response.type('html').send(codeForm(verification.verification_id))
  })

  app.post('/account/step-up/verify', async (request, response) => {
    const { verification_id, verification_code } = request.body as Record<string, string | undefined>
    if (!verification_id || !verification_code) {
      response.status(400).type('html').send(page('Step-up', '<p>Enter the code.</p>'))
      return
    }
    try {
      const { verification_token } = await tessera.verifications.check({ verification_id, verification_code })
      response.type('html').send(
        page(
          'Confirm',
          `<form method="post" action="/account/delete">
<input type="hidden" name="verification_token" value="${escapeHtml(String(verification_token))}">
<button>Delete my account</button></form>`,
        ),
      )
    } catch (error) {
      if (!(error instanceof InvalidCodeError)) throw error
      response
        .status(400)
        .type('html')
        .send(codeForm(verification_id, `Wrong code: ${error.attemptsRemaining ?? 0} tries left.`))
    }
  })

  // 4. The protected route: a step-up token, consumed online so it works once, for this user's phone.
  app.post(
    '/account/delete',
    requireVerification({
      tessera,
      scene: 'step-up',
      consume: true,
      getToken: (request) => (request.body as Record<string, string | undefined> | undefined)?.verification_token,
    }),
    (request, response) => {
      const user = currentUser(request, response)
      if (!user || request.verification?.to !== user.phone) {
        response.status(403).json({ error: 'forbidden', error_code: 4030, error_description: 'Not your verification.' })
        return
      }
      usersByPhone.delete(user.phone)
      sessionOf(request, response).userId = undefined
      response.type('html').send(page('Deleted', '<p>Your account is deleted.</p>'))
    },
  )

  return app
}

function codeForm(verificationId: string, message = 'We sent a code to your phone.'): string {
  return page(
    'Step-up',
    `<p>${escapeHtml(message)}</p>
<form method="post" action="/account/step-up/verify">
<input type="hidden" name="verification_id" value="${escapeHtml(verificationId)}">
<input name="verification_code" autocomplete="one-time-code" inputmode="numeric">
<button>Verify</button></form>`,
  )
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(title)}</title><h1>${escapeHtml(title)}</h1>${body}</html>`
}

function cookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return decodeURIComponent(value.join('='))
  }
  return undefined
}

/** +14155552671 → +1 ••• ••• 2671 */
function mask(phone: string): string {
  return `${phone.slice(0, 2)} ••• ••• ${phone.slice(-4)}`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
