import { codeFromSms, createAppWithKey, LIMITS_OUT_OF_THE_WAY } from '../../../server/test/e2e/helpers/api.js'
import {
  cleanupTempDirs,
  killAll,
  secretsForTest,
  startServer,
  type TestServer,
} from '../../../server/test/e2e/helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from '../../../server/test/e2e/helpers/webhook-receiver.js'

/** Where the example and SDK tests send people back to after the hosted page. */
export const REDIRECT_URL = 'http://localhost:4567/signup/done'

export interface RunningTessera {
  /** The server's URL (its banner), which is also the issuer of its tokens. */
  readonly url: string
  readonly adminKey: string
  readonly appId: string
  readonly apiKey: string
  /** The phone: every SMS the server sent, through the signed SMS webhook. */
  readonly sms: WebhookReceiver
  readonly server: TestServer
  /** The code in the newest SMS to `to`, waiting for it if it has not come yet. */
  codeSentTo(to: string): Promise<string>
  /** How many SMS went to `to` so far. */
  sentTo(to: string): number
  stop(): Promise<void>
}

/**
 * A real Tessera process from this repo (`tessera serve` on port 0, SQLite in a temp folder), its SMS delivered to
 * a local webhook receiver, with one app (limits out of the way, REDIRECT_URL registered) and its key.
 */
export async function startTessera(env: Readonly<Record<string, string>> = {}): Promise<RunningTessera> {
  const secrets = secretsForTest()
  const sms = await startWebhookReceiver()
  const server = await startServer({
    env: {
      ...secrets,
      TESSERA_SMS_WEBHOOK_URL: sms.url,
      TESSERA_SMS_WEBHOOK_SECRET: 'whsec_dGVzc2VyYS1jbGllbnQtdGVzdC1zZWNyZXQ=',
      ...env,
    },
  })
  const { appId, key } = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Acme', {
    limits: LIMITS_OUT_OF_THE_WAY,
    redirect_urls: [REDIRECT_URL],
  })
  const messagesTo = (to: string) =>
    sms.requests.filter((request) => (request.json as { to?: string } | undefined)?.to === to)
  return {
    url: server.url,
    adminKey: secrets.TESSERA_ADMIN_KEY,
    appId,
    apiKey: key,
    sms,
    server,
    async codeSentTo(to) {
      const deadline = Date.now() + 10_000
      for (;;) {
        const last = messagesTo(to).at(-1)
        if (last) return codeFromSms(String((last.json as { body: string }).body))
        if (Date.now() > deadline) throw new Error(`no SMS to ${to}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    sentTo: (to) => messagesTo(to).length,
    async stop() {
      await server.stop()
      await killAll()
      await sms.close()
      cleanupTempDirs()
    },
  }
}

/** A fresh E.164 number per call, so tests in one server never share a recipient. */
let next = 0
export function newPhone(): string {
  next++
  return `+1415555${String(1000 + ((process.pid * 7 + next) % 9000)).padStart(4, '0')}`
}
