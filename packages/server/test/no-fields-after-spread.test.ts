import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { expect, it } from 'vitest'

// docs/decisions.md, "No object literal that adds a field after a spread": V8 made objects for every such literal
// that survived scavenges into the old generation, and the major collections they brought were the tail of
// start and verify-ok. Overriding fields the spread object surely has is harmless; adding one it may lack is
// not. Code that builds its literal once (a route's schema at registration, a factory) says so with a comment
// naming it "built once" on the line above the literal.

const SERVER = fileURLToPath(new URL('../', import.meta.url))
const MARK = 'built once'

/**
 * `file:line adds a, b` for each literal under `root` that begins with a spread and then adds a field its source
 * may lack (`file` relative to `root`).
 */
function literalsAddingAfterSpread(root: string, rootNames: readonly string[], options: ts.CompilerOptions): string[] {
  const isSource = (file: string) => file.startsWith(root) && !file.endsWith('.test.ts')
  const program = ts.createProgram({ rootNames: rootNames.filter(isSource), options })
  const checker = program.getTypeChecker()
  /** The fields a value of this expression's type always has (an optional one may be missing). */
  const surelyHas = (expression: ts.Expression) =>
    new Set(
      checker
        .getApparentType(checker.getTypeAtLocation(expression))
        .getProperties()
        .filter((property) => (property.flags & ts.SymbolFlags.Optional) === 0)
        .map((property) => property.getName()),
    )
  const found: string[] = []
  for (const source of program.getSourceFiles()) {
    if (!isSource(source.fileName)) continue
    const lines = source.text.split('\n')
    const visit = (node: ts.Node): void => {
      const first = ts.isObjectLiteralExpression(node) ? node.properties[0] : undefined
      if (ts.isObjectLiteralExpression(node) && first && ts.isSpreadAssignment(first)) {
        const has = surelyHas(first.expression)
        const added: string[] = []
        for (const property of node.properties.slice(1)) {
          if (ts.isSpreadAssignment(property)) {
            const type = checker.getApparentType(checker.getTypeAtLocation(property.expression))
            for (const field of type.getProperties()) if (!has.has(field.getName())) added.push(`...${field.getName()}`)
          } else if (property.name && !has.has(property.name.getText(source).replace(/^['"]|['"]$/g, ''))) {
            added.push(property.name.getText(source))
          }
        }
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line
        const marked = [lines[line - 1], lines[line]].some((text) => text?.includes(MARK))
        if (added.length > 0 && !marked) {
          found.push(`${source.fileName.slice(root.length)}:${line + 1} adds ${added.join(', ')}`)
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  return found
}

it('no object literal adds a field after a spread, but where it is built once', () => {
  const config = ts.getParsedCommandLineOfConfigFile(
    `${SERVER}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )
  if (!config) throw new Error('tsconfig.json not read')
  expect(literalsAddingAfterSpread(`${SERVER}src/`, config.fileNames, config.options)).toEqual([])
}, 60_000)

it('the check tells an added field from an overridden one, and honours the mark', () => {
  const folder = mkdtempSync(join(tmpdir(), 'spread-probe-'))
  try {
    const file = join(folder, 'probe.ts')
    writeFileSync(
      file,
      [
        'const a: { x: number; y?: number } = { x: 1 }',
        'export const added = { ...a, z: 2 }',
        'export const overridden = { ...a, x: 3 }',
        'export const maybeMissing = { ...a, y: 4 }',
        'export const fieldsFirst = { z: 5, ...a }',
        '// built once',
        'export const marked = { ...a, z: 6 }',
        'export const spreadAdds = { ...a, ...{ w: 7 } }',
      ].join('\n'),
    )
    expect(literalsAddingAfterSpread(`${folder}/`, [file], { strict: true, noEmit: true })).toEqual([
      'probe.ts:2 adds z',
      'probe.ts:4 adds y',
      'probe.ts:8 adds ...w',
    ])
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
})
