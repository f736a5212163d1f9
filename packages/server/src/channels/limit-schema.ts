import { Type } from '@sinclair/typebox'

/** One named limit under `settings.limits`: at most `max` events per `window_seconds`. */
export const LimitSchema = (max: number, windowSeconds: number, description: string) =>
  Type.Object(
    {
      max: Type.Integer({ minimum: 1, maximum: 10_000_000, default: max }),
      window_seconds: Type.Integer({ minimum: 1, maximum: 7 * 86_400, default: windowSeconds }),
    },
    { additionalProperties: false, default: {}, description },
  )
