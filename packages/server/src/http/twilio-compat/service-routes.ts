import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { VerifyServiceOptions } from '../../core/verify-services/verify-service-options.js'
import type { VerifyServices } from '../../core/verify-services/verify-services.js'
import { appOf } from '../plugins/auth.js'
import {
  booleanField,
  type Form,
  FormBody,
  integerField,
  invalidParameter,
  requiredField,
  stringField,
} from './form-fields.js'
import { pagingMeta, presentService } from './twilio-format.js'

const ServiceParams = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }) })
const ListQuery = Type.Object({
  PageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  Page: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  PageToken: Type.Optional(Type.String({ maxLength: 128 })),
})

/** Twilio caps a service's friendly name at 32 characters; Tessera also refuses control characters. */
function friendlyNameOf(form: Form, required: boolean): string | undefined {
  const name = required ? requiredField(form, 'FriendlyName', { maxLength: 32 }) : stringField(form, 'FriendlyName')
  if (name === undefined) return undefined
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (name.trim() === '' || name.length > 32 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw invalidParameter('FriendlyName', '1–32 printable characters')
  }
  return name.trim()
}

/** The options a create or update sets, by Twilio's parameter names. */
function optionsOf(form: Form): Partial<VerifyServiceOptions> {
  const options: { -readonly [K in keyof VerifyServiceOptions]?: VerifyServiceOptions[K] } = {}
  const codeLength = integerField(form, 'CodeLength', 4, 10)
  if (codeLength !== undefined) options.code_length = codeLength
  const flags: ReadonlyArray<readonly [string, keyof VerifyServiceOptions]> = [
    ['CustomCodeEnabled', 'custom_code_enabled'],
    ['LookupEnabled', 'lookup_enabled'],
    ['SkipSmsToLandlines', 'skip_sms_to_landlines'],
    ['DtmfInputRequired', 'dtmf_input_required'],
    ['Psd2Enabled', 'psd2_enabled'],
    ['DoNotShareWarningEnabled', 'do_not_share_warning_enabled'],
    ['VerifyEventSubscriptionEnabled', 'verify_event_subscription_enabled'],
  ]
  for (const [param, option] of flags) {
    const value = booleanField(form, param)
    if (value !== undefined) (options as Record<string, unknown>)[option] = value
  }
  const ttsName = stringField(form, 'TtsName', { maxLength: 64 })
  if (ttsName !== undefined) options.tts_name = ttsName
  const templateSid = stringField(form, 'DefaultTemplateSid', { maxLength: 64 })
  if (templateSid !== undefined) options.default_template_sid = templateSid
  return options
}

/** /v2/Services: create, list, fetch, update, delete (Twilio Verify v2). */
export function serviceRoutes(services: VerifyServices, base: () => string): FastifyPluginAsyncTypebox {
  return async (server) => {
    const tags = ['twilio-compat']
    server.post(
      '/Services',
      { schema: { tags, summary: 'Create a Verify service (Twilio Verify v2)', body: FormBody } },
      async (request, reply) => {
        const form = request.body
        const service = await services.create(appOf(request), {
          friendlyName: friendlyNameOf(form, true) ?? '',
          options: optionsOf(form),
        })
        return reply.status(201).send(presentService(service, base()))
      },
    )

    server.get(
      '/Services',
      { schema: { tags, summary: 'List Verify services (Twilio paging)', querystring: ListQuery } },
      async (request) => {
        const pageSize = request.query.PageSize ?? 50
        const page = request.query.Page ?? 0
        // One more than the page holds tells whether a next page exists.
        const listed = await services.list(appOf(request), { offset: page * pageSize, limit: pageSize + 1 })
        const items = listed.slice(0, pageSize)
        return {
          services: items.map((service) => presentService(service, base())),
          meta: pagingMeta({
            base: base(),
            path: '/v2/Services',
            key: 'services',
            page,
            pageSize,
            hasNext: listed.length > pageSize,
          }),
        }
      },
    )

    server.get(
      '/Services/:ServiceSid',
      { schema: { tags, summary: 'Fetch a Verify service', params: ServiceParams } },
      async (request) => presentService(await services.get(appOf(request), request.params.ServiceSid), base()),
    )

    server.post(
      '/Services/:ServiceSid',
      { schema: { tags, summary: 'Update a Verify service', params: ServiceParams, body: FormBody } },
      async (request) => {
        const form = request.body
        const service = await services.update(appOf(request), request.params.ServiceSid, {
          friendlyName: friendlyNameOf(form, false),
          options: optionsOf(form),
        })
        return presentService(service, base())
      },
    )

    server.delete(
      '/Services/:ServiceSid',
      { schema: { tags, summary: 'Delete a Verify service', params: ServiceParams } },
      async (request, reply) => {
        await services.remove(appOf(request), request.params.ServiceSid)
        return reply.status(204).send()
      },
    )
  }
}
