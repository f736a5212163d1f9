import { Type } from '@sinclair/typebox'
import { CHANNEL_NAMES } from '../channels/built-in-channels.js'

/** `channel` in requests: one of the registered channels' names (the OpenAPI document lists them). */
export const ChannelNameSchema = Type.Union(
  CHANNEL_NAMES.map((name) => Type.Literal(name)),
  { description: `A delivered-code channel: ${CHANNEL_NAMES.join(', ')}.` },
)
