/**
 * A channel's settings slice (`settings.channels.<name>`), as its own schema describes it: the channel reads
 * it, core only passes it on. Typed loosely here on purpose: each channel knows its own shape.
 */
export function channelPolicy(
  settings: { readonly channels: object },
  channel: string,
): Readonly<Record<string, unknown>> {
  const policy = (settings.channels as Record<string, Readonly<Record<string, unknown>> | undefined>)[channel]
  if (!policy) throw new Error(`settings.channels.${channel} is missing`)
  return policy
}
