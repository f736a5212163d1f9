import type { Verifier } from './verifier.js'

export interface VerifierRegistry {
  /** The verifier of a type, or undefined for a type nobody registered. */
  find(type: string): Verifier | undefined
  /** The verifier of a stored type; a missing one is a programming error. */
  get(type: string): Verifier
  types(): readonly string[]
}

export function createVerifierRegistry(verifiers: readonly Verifier[]): VerifierRegistry {
  const byType = new Map<string, Verifier>()
  for (const verifier of verifiers) {
    if (!/^[a-z0-9-]{1,32}$/.test(verifier.type)) throw new Error(`Invalid verifier type name: ${verifier.type}`)
    if (byType.has(verifier.type)) throw new Error(`Verifier type registered twice: ${verifier.type}`)
    byType.set(verifier.type, verifier)
  }
  return {
    find: (type) => byType.get(type),
    get(type) {
      const verifier = byType.get(type)
      if (!verifier) throw new Error(`Unknown verifier type: ${type}`)
      return verifier
    },
    types: () => [...byType.keys()],
  }
}
