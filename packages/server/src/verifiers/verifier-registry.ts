import type { Verifier, VerifierType } from './verifier.js'

export interface VerifierRegistry {
  get(type: VerifierType): Verifier
  types(): readonly VerifierType[]
}

export function createVerifierRegistry(verifiers: readonly Verifier[]): VerifierRegistry {
  const byType = new Map<VerifierType, Verifier>()
  for (const verifier of verifiers) {
    if (byType.has(verifier.type)) throw new Error(`Verifier type registered twice: ${verifier.type}`)
    byType.set(verifier.type, verifier)
  }
  return {
    get(type) {
      const verifier = byType.get(type)
      if (!verifier) throw new Error(`Unknown verifier type: ${type}`)
      return verifier
    },
    types: () => [...byType.keys()],
  }
}
