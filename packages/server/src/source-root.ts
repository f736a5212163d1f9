import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The folder of the TypeScript sources (packages/server/src), for files read
 * at run time beside them (the web pages' CSS and scripts). Running from the
 * cached one-file build, `import.meta.url` names the build, not this file, so
 * bin/load-cli.js says where the sources are before loading it.
 */
export const SOURCE_ROOT: string =
  (globalThis as { __tesseraSourceRoot?: string }).__tesseraSourceRoot ?? dirname(fileURLToPath(import.meta.url))
