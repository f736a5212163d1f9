// Loads the CLI for bin/tessera.js. Running the TypeScript sources through
// tsx's loader took most of a cold start (each of ~1,500 modules resolved and
// loaded through the loader's hooks). So the first start builds one ES module
// of the sources and the pure-JS libraries they use (esbuild, the compiler
// tsx itself runs on), into node_modules/.cache/tessera/, and every start
// after it loads that file. A changed source file, package.json or installed
// package tree gives a new fingerprint and so a new build; nothing is built at
// `npm install`, and a clone runs as it always did. If the build cannot be
// made, the sources run through tsx as before.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SOURCE_DIR = join(PACKAGE_DIR, 'src')
const ENTRY = join(SOURCE_DIR, 'cli/main.ts')
// Beside the package, so the build's imports of the packages left out below resolve as the sources' do.
const CACHE_DIR = join(PACKAGE_DIR, 'node_modules/.cache/tessera')

// Left as imports: native addons, packages that read files beside their own code at run time
// (swagger-ui's static assets, pino's worker files), and the lazily loaded PostgreSQL and Redis clients.
const EXTERNAL = [
  'better-sqlite3',
  '@node-rs/argon2',
  '@fastify/swagger-ui',
  'pino',
  'thread-stream',
  'pino-pretty',
  'pg',
  'ioredis',
]

/** Everything the build depends on: the sources, this file, and the installed package tree. */
function fingerprint() {
  const hash = createHash('sha256')
  const add = (path) => {
    try {
      const stat = statSync(path)
      hash.update(`${path}\0${stat.size}\0${stat.mtimeMs}\n`)
    } catch {
      hash.update(`${path}\0missing\n`)
    }
  }
  const sources = readdirSync(SOURCE_DIR, { recursive: true })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .sort()
  for (const name of sources) add(join(SOURCE_DIR, name))
  add(fileURLToPath(import.meta.url))
  add(join(PACKAGE_DIR, 'package.json'))
  // npm rewrites this hidden lockfile whenever it changes node_modules.
  for (let dir = PACKAGE_DIR; ; dir = dirname(dir)) {
    add(join(dir, 'node_modules/.package-lock.json'))
    if (dirname(dir) === dir) break
  }
  hash.update(process.version)
  return hash.digest('hex').slice(0, 16)
}

async function build(outfile) {
  const esbuild = await import('esbuild')
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node}`,
    external: EXTERNAL,
    // Bundled CommonJS libraries call require(): give the module one.
    banner: {
      js: "import { createRequire as __tesseraCreateRequire } from 'node:module'; const require = __tesseraCreateRequire(import.meta.url);",
    },
    // Stack traces map back to the sources under NODE_OPTIONS=--enable-source-maps.
    sourcemap: 'linked',
    // V8 keeps the module's source text for as long as the process runs (to compile functions lazily), and as
    // two bytes a character if a single one is beyond Latin-1: without comments and indentation, and with
    // esbuild's ASCII escapes in every string, it is one byte a character and a third the size (4 MB, not 12).
    // Names stay as written, so stack traces still name functions.
    minifyWhitespace: true,
    legalComments: 'none',
    charset: 'ascii',
    write: false,
    outfile,
    logLevel: 'silent',
  })
  mkdirSync(CACHE_DIR, { recursive: true })
  // Written aside, then renamed: starts racing on a first build never load a half-written file.
  // The map first: once the module exists, starts use it.
  for (const file of [...result.outputFiles].sort(
    (a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')),
  )) {
    const partial = `${file.path}.${process.pid}.partial`
    writeFileSync(partial, file.contents)
    renameSync(partial, file.path)
  }
  // Earlier builds are stale now; one left in use by a running process stays readable until it exits.
  const current = basename(outfile)
  for (const name of readdirSync(CACHE_DIR)) {
    if (name.startsWith('cli-') && !name.startsWith(current) && !name.endsWith('.partial')) {
      rmSync(join(CACHE_DIR, name), { force: true })
    }
  }
}

/** The CLI module: the cached build, built now if missing or stale; else the sources through tsx. */
export async function loadCli() {
  if (process.env.TESSERA_RUN_SOURCES !== '1') {
    try {
      const outfile = join(CACHE_DIR, `cli-${fingerprint()}.mjs`)
      if (!existsSync(outfile)) await build(outfile)
      // Files read beside the sources at run time (src/source-root.ts) are found from here, not from the build.
      globalThis.__tesseraSourceRoot = join(PACKAGE_DIR, 'src')
      return await import(pathToFileURL(outfile).href)
    } catch (error) {
      process.stderr.write(`tessera: running the sources through tsx (no build: ${error.message})\n`)
    }
  }
  const { register } = await import('tsx/esm/api')
  register()
  return import('../src/cli/main.ts')
}
