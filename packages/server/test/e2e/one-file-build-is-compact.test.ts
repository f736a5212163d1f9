import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT, runCli } from './helpers/start-server.js'

// bin/tessera.js runs a one-file build of the sources (bin/load-cli.js). V8 keeps a module's source text for the
// life of the process, as two bytes a character once a single character is beyond Latin-1: the build must stay
// one byte a character (ASCII escapes, no comments), or every server holds twice the text in memory.

const CACHE_DIR = join(REPO_ROOT, 'packages/server/node_modules/.cache/tessera')

describe('the one-file build the CLI runs', () => {
  it('is Latin-1 text, without comments', async () => {
    const ran = await runCli(['--help'], {}, 120_000)
    expect(ran.stderr).not.toContain('running the sources through tsx')
    const builds = readdirSync(CACHE_DIR)
      .filter((name) => /^cli-[0-9a-f]+\.mjs$/.test(name))
      .map((name) => join(CACHE_DIR, name))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    const newest = builds[0]
    expect(newest).toBeDefined()
    const text = readFileSync(newest ?? '', 'utf8')
    let wide = -1
    for (let i = 0; i < text.length && wide < 0; i++) if (text.charCodeAt(i) > 0xff) wide = i
    // Where it is, to fix: an HTML template's typographic character is written as an entity (&rsquo;).
    expect(wide < 0 ? undefined : text.slice(Math.max(0, wide - 60), wide + 20)).toBeUndefined()
    // Without comments: the whole build is a few long lines, not one per source line.
    expect(text.split('\n').length).toBeLessThan(text.length / 200)
  })
})
