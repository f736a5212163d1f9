// Writes src/generated/openapi.ts from the server's OpenAPI document (`npm run generate -w packages/client`).
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { GENERATED_TYPES_PATH, generatedTypesSource } from './openapi-types.js'

writeFileSync(GENERATED_TYPES_PATH, await generatedTypesSource())
process.stdout.write(`${fileURLToPath(GENERATED_TYPES_PATH)} written\n`)
