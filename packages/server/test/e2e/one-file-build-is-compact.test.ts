import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT, runCli } from './helpers/start-server.js'

// bin/tessera.js runs a one-file build of the sources (bin/load-cli.js). V8 keeps a module's source text for the
// life of the process, as two bytes a character once a single character is beyond Latin-1: the build must stay
// one byte a character (ASCII escapes, no comments), or every server holds twice the text in memory.

const CACHE_DIR = join(REPO_ROOT, 'packages/server/node_modules/.cache/tessera')

/** The build the CLI runs now (built by this call if the sources changed). */
async function currentBuild(): Promise<string> {
  const ran = await runCli(['--help'], {}, 120_000)
  expect(ran.stderr).not.toContain('running the sources through tsx')
  const builds = readdirSync(CACHE_DIR)
    .filter((name) => /^cli-[0-9a-f]+\.mjs$/.test(name))
    .map((name) => join(CACHE_DIR, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
  expect(builds[0]).toBeDefined()
  return builds[0] ?? ''
}

describe('the one-file build the CLI runs', () => {
  it('is Latin-1 text, without comments', async () => {
    const text = readFileSync(await currentBuild(), 'utf8')
    let wide = -1
    for (let i = 0; i < text.length && wide < 0; i++) if (text.charCodeAt(i) > 0xff) wide = i
    // Where it is, to fix: an HTML template's typographic character is written as an entity (&rsquo;).
    expect(wide < 0 ? undefined : text.slice(Math.max(0, wide - 60), wide + 20)).toBeUndefined()
    // Without comments: the whole build is a few long lines, not one per source line.
    expect(text.split('\n').length).toBeLessThan(text.length / 200)
  })

  it('loads the PostgreSQL, Redis and pretty-log libraries only when they are used, not at every start', async () => {
    // What loading the build (as every start does, before the command runs) brings into the process.
    const probe = `await import(${JSON.stringify(pathToFileURL(await currentBuild()).href)})
      const { createRequire } = await import('node:module')
      const loaded = Object.keys(createRequire(import.meta.url).cache)
      const packages = new Set(loaded.flatMap((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file)?.[1] ?? []))
      process.stdout.write(JSON.stringify([...packages]))`
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' })
    const packages = JSON.parse(output) as string[]
    expect(packages).toContain('better-sqlite3')
    expect(packages.filter((name) => ['pg', 'ioredis', 'pino-pretty'].includes(name))).toEqual([])
  })
})
