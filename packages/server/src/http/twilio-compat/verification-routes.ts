import { isIP } from 'node:net'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { VerifyServices } from '../../core/verify-services/verify-services.js'
import { appOf } from '../plugins/auth.js'
import { channelConfigurationOf } from './channel-configuration.js'
import { type Form, FormBody, invalidParameter, requiredField, stringField } from './form-fields.js'
import { presentCheck, presentVerification } from './twilio-format.js'

const ServiceParams = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }) })
const VerificationParams = Type.Object({
  ServiceSid: Type.String({ maxLength: 64 }),
  Sid: Type.String({ maxLength: 64 }),
})

const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/

function localeOf(form: Form): string | undefined {
  const locale = stringField(form, 'Locale', { maxLength: 35 })
  if (locale !== undefined && !LOCALE.test(locale)) throw invalidParameter('Locale', 'a BCP 47 language tag')
  return locale
}

function deviceIpOf(form: Form): string | undefined {
  const ip = stringField(form, 'DeviceIp', { maxLength: 45 })
  if (ip !== undefined && isIP(ip) === 0) throw invalidParameter('DeviceIp', 'an IPv4 or IPv6 address')
  return ip
}

/** /v2/Services/{ServiceSid}/Verifications and /VerificationCheck (Twilio Verify v2). */
export function verificationRoutes(services: VerifyServices, base: () => string): FastifyPluginAsyncTypebox {
  return async (server) => {
    const tags = ['twilio-compat']
    server.post(
      '/Services/:ServiceSid/Verifications',
      {
        schema: {
          tags,
          summary: 'Start a verification, or send a new code on the pending one for `To`',
          params: ServiceParams,
          body: FormBody,
        },
      },
      async (request, reply) => {
        const form = request.body
        const to = requiredField(form, 'To', { maxLength: 320 })
        const channel = requiredField(form, 'Channel', { maxLength: 32 })
        const message = channelConfigurationOf(form)
        const customFriendlyName = stringField(form, 'CustomFriendlyName', { maxLength: 64 })
        const app = appOf(request)
        const verification = await services.start(app, request.params.ServiceSid, {
          to,
          channel,
          locale: localeOf(form),
          customCode: stringField(form, 'CustomCode', { maxLength: 64 }),
          customFriendlyName: customFriendlyName?.trim() || undefined,
          clientIp: deviceIpOf(form),
          message,
        })
        return reply.status(201).send(presentVerification(verification, app.id, base()))
      },
    )

    server.get(
      '/Services/:ServiceSid/Verifications/:Sid',
      { schema: { tags, summary: 'Fetch a verification', params: VerificationParams } },
      async (request) => {
        const app = appOf(request)
        const verification = await services.fetch(app, request.params.ServiceSid, request.params.Sid)
        return presentVerification(verification, app.id, base())
      },
    )

    server.post(
      '/Services/:ServiceSid/Verifications/:Sid',
      {
        schema: {
          tags,
          summary: 'Cancel (`Status=canceled`) or approve (`Status=approved`) a verification',
          params: VerificationParams,
          body: FormBody,
        },
      },
      async (request) => {
        const status = requiredField(request.body, 'Status', { maxLength: 16 })
        if (status !== 'canceled' && status !== 'approved') throw invalidParameter('Status', 'canceled or approved')
        const app = appOf(request)
        const verification = await services.setStatus(app, request.params.ServiceSid, request.params.Sid, status)
        return presentVerification(verification, app.id, base())
      },
    )

    server.post(
      '/Services/:ServiceSid/VerificationCheck',
      {
        schema: {
          tags,
          summary: 'Check a code for `To` or `VerificationSid`; a wrong code answers 200 with valid: false',
          params: ServiceParams,
          body: FormBody,
        },
      },
      async (request) => {
        const form = request.body
        const code = requiredField(form, 'Code', { maxLength: 64 })
        const to = stringField(form, 'To', { maxLength: 320 })
        const verificationSid = stringField(form, 'VerificationSid', { maxLength: 64 })
        if (to === undefined && verificationSid === undefined) {
          throw invalidParameter('To', 'To or VerificationSid is required')
        }
        const app = appOf(request)
        const verification = await services.check(app, request.params.ServiceSid, { code, to, verificationSid })
        return presentCheck(verification, app.id)
      },
    )
  }
}
