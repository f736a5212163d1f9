import twilio from 'twilio'

type RequestClient = InstanceType<typeof twilio.RequestClient>

/**
 * Twilio's own request client, unmodified but for the host: what Twilio's docs call a custom HTTP client.
 * Every request the helper library would send to https://verify.twilio.com goes to `baseUrl` instead, with
 * the library's own method, path, form body, headers and Basic credentials.
 */
class TesseraRequestClient extends twilio.RequestClient {
  readonly #baseUrl: string
  constructor(baseUrl: string) {
    super()
    this.#baseUrl = baseUrl.replace(/\/+$/, '')
  }
  override request: RequestClient['request'] = (options) => {
    const uri = options.uri.replace(/^https:\/\/verify\.twilio\.com/, this.#baseUrl)
    return super.request({ ...options, uri })
  }
}

/** Twilio's Node helper library pointed at a Tessera: the account sid and an app key as Twilio's credentials. */
export function twilioClientFor(baseUrl: string, accountSid: string, appKey: string) {
  return twilio(accountSid, appKey, { httpClient: new TesseraRequestClient(baseUrl) })
}
