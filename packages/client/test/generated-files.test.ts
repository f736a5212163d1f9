import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { GENERATED_TYPES_PATH, generatedTypesSource } from '../scripts/openapi-types.js'

// The SDK's committed generated files must be what the current code makes: its types from the server's OpenAPI
// document, and dist/ (what `npm install` of the package gives Node, Deno and Bun) from src/.

const PACKAGE = fileURLToPath(new URL('..', import.meta.url))

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

describe('generated files of @tessera/client', () => {
  it('src/generated/openapi.ts is the openapi-typescript output of the server’s current OpenAPI document', async () => {
    const committed = readFileSync(GENERATED_TYPES_PATH, 'utf8')
    // On failure: npm run generate -w packages/client
    expect(committed === (await generatedTypesSource()), 'stale: run `npm run generate -w packages/client`').toBe(true)
  })

  it('dist/ is the build of src/', () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-client-build-'))
    try {
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
      const built = spawnSync(process.execPath, [tsc, '-p', join(PACKAGE, 'tsconfig.build.json'), '--outDir', out], {
        encoding: 'utf8',
      })
      expect(built.status, built.stdout + built.stderr).toBe(0)
      const fresh = filesUnder(out)
        .map((file) => relative(out, file))
        .sort()
      const committed = filesUnder(join(PACKAGE, 'dist'))
        .map((file) => relative(join(PACKAGE, 'dist'), file))
        .sort()
      // On failure: npm run build -w packages/client
      expect(committed, 'stale: run `npm run build -w packages/client`').toEqual(fresh)
      for (const file of fresh) {
        const same = readFileSync(join(out, file), 'utf8') === readFileSync(join(PACKAGE, 'dist', file), 'utf8')
        expect(same, `dist/${file} is stale: run \`npm run build -w packages/client\``).toBe(true)
      }
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
