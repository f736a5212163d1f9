import { callChannel } from './call/call-channel.js'
import type { Channel } from './channel.js'
import { emailChannel } from './email/email-channel.js'
import { smsChannel } from './sms/sms-channel.js'
import { whatsappChannel } from './whatsapp/whatsapp-channel.js'

/**
 * The delivered-code channels Tessera ships, one line each: a new channel is its folder plus a line here.
 * The order is the settings' order (`settings.channels`) and the console's; the first is the console's default.
 */
export const BUILT_IN_CHANNELS = [
  smsChannel, //
  emailChannel,
  whatsappChannel,
  callChannel,
] as const satisfies readonly Channel[]

/**
 * What a decoy (uniform_responses) stands in as when nothing names a type — a challenge by an unknown
 * factor id: the most common factor, so the decoy looks like the likeliest real answer.
 */
export const DECOY_CHANNEL: string = smsChannel.name

/** A channel's name, as the API, settings and tokens spell it. */
export type ChannelName = (typeof BUILT_IN_CHANNELS)[number]['name']

export const CHANNEL_NAMES: readonly ChannelName[] = BUILT_IN_CHANNELS.map((channel) => channel.name)

const byName = new Map<string, Channel>(BUILT_IN_CHANNELS.map((channel) => [channel.name, channel]))

/** The channel of this name, or undefined. */
export function findChannel(name: string): Channel | undefined {
  return byName.get(name)
}

/** The channel of this name; throws for a name no channel has (a programming error, not input). */
export function channelNamed(name: string): Channel {
  const channel = byName.get(name)
  if (!channel) throw new Error(`no channel named ${name}`)
  return channel
}
