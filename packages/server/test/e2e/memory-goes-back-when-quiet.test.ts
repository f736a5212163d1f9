import { afterAll, describe, expect, it } from 'vitest'
import { cleanupTempDirs, killAll, secretsForTest, startServer } from './helpers/start-server.js'

afterAll(async () => {
  await killAll()
  cleanupTempDirs()
})

/** What the server's /metrics says about its garbage collection: how many full collections it has run. */
async function memoryOf(url: string) {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text()
  return { majorCollections: Number(/^nodejs_gc_duration_seconds_count\{kind="major"\} (\S+)$/m.exec(text)?.[1] ?? 0) }
}

describe('a served process', () => {
  it('runs a full collection once it has been quiet for a few seconds after starting up', async () => {
    const server = await startServer({ env: secretsForTest() })
    try {
      const started = await memoryOf(server.url)
      // Looks every two seconds (a scrape is a few ms of work: the server stays quiet), for up to 16 s: the
      // collector runs after six quiet seconds; V8's own memory reducer, without it, after about 22. (How much
      // the collection gives back is V8's call, and depends on the machine's load: measured in the bench.)
      let now = started
      for (let waited = 0; waited < 16_000 && now.majorCollections <= started.majorCollections; waited += 2_000) {
        await new Promise((resolve) => setTimeout(resolve, 2_000))
        now = await memoryOf(server.url)
      }
      expect(now.majorCollections).toBeGreaterThan(started.majorCollections)
    } finally {
      await server.stop('SIGTERM', 10_000)
    }
  }, 45_000)
})
