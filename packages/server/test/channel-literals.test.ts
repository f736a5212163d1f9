import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CHANNEL_NAMES } from '../src/channels/built-in-channels.js'

// A channel is one folder (docs/architecture.md): core, http, web, settings and the rest ask the channel
// registry, never name a channel. A channel's name may appear only in its own folder, in the provider folders
// (a provider says which channels it carries), in the registry line, and in the locale files' per-channel texts.

const SRC = fileURLToPath(new URL('../src/', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })
}

/** Code without its comments: a comment may name a channel as an example. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
}

function allowed(file: string, channel: string): boolean {
  return (
    file.startsWith(`channels/${channel}/`) ||
    file === 'channels/built-in-channels.ts' ||
    /^delivery\/(?!templates\/)[^/]+\//.test(file) ||
    file.startsWith('i18n/locales/') ||
    // Personal-data field names the logger censors (an `email` field), not channels.
    file === 'logging/redact-log-object.ts'
  )
}

describe('channel names', () => {
  it('appear as literals only in their own folder, the provider folders, the registry and the locale files', () => {
    const found: string[] = []
    for (const path of sources(SRC)) {
      const file = relative(SRC, path)
      const text = withoutComments(readFileSync(path, 'utf8'))
      for (const channel of CHANNEL_NAMES) {
        const literal = new RegExp(`(['"\`])${channel}\\1`, 'g')
        if (literal.test(text) && !allowed(file, channel)) found.push(`${file}: '${channel}'`)
      }
    }
    expect(found).toEqual([])
  })
})
