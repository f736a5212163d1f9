// Lists the exports of src/ that no other module imports, through the TypeScript compiler already
// installed (docs/decisions.md says why not knip): run it with
// `node packages/server/bin/run-ts.js packages/server/scripts/unused-exports.ts`.
// - used nowhere: delete it;
// - a value used only in its own file: drop `export`;
// - a type used only in its own file is not listed: it names part of an exported signature, and
//   callers may need to write it down (knip's `ignoreExportsUsedInFile` for types);
// - imported by tests only: it stays only if it exists for the test's sake (a constant the test
//   asserts, a pure function tested against published vectors).
import { relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const PACKAGE_DIR = resolve(fileURLToPath(import.meta.url), '../..')
const SOURCE_DIR = resolve(PACKAGE_DIR, 'src')

const configPath = resolve(PACKAGE_DIR, 'tsconfig.json')
const { config } = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path))
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, PACKAGE_DIR)
const program = ts.createProgram(parsed.fileNames, parsed.options)
const checker = program.getTypeChecker()

const isTest = (fileName: string) => /\.test\.ts$|\/test\//.test(fileName)
const ownFiles = program.getSourceFiles().filter((file) => !file.fileName.includes('/node_modules/'))

/** Who imports each exported symbol, by file name. */
const users = new Map<ts.Symbol, Set<string>>()
/** Modules that some file takes whole (namespace import, `import()`, `export *`): all their exports count as used. */
const takenWhole = new Map<ts.SourceFile, Set<string>>()

const original = (symbol: ts.Symbol) =>
  symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol

function use(symbol: ts.Symbol | undefined, by: string): void {
  if (!symbol) return
  const target = original(symbol)
  const set = users.get(target) ?? new Set<string>()
  set.add(by)
  users.set(target, set)
}

function moduleFile(specifier: ts.Expression): ts.SourceFile | undefined {
  const declaration = checker.getSymbolAtLocation(specifier)?.valueDeclaration
  return declaration && ts.isSourceFile(declaration) ? declaration : undefined
}

function takeWhole(specifier: ts.Expression, by: string): void {
  const file = moduleFile(specifier)
  if (!file) return
  const set = takenWhole.get(file) ?? new Set<string>()
  set.add(by)
  takenWhole.set(file, set)
}

for (const file of ownFiles) {
  const by = file.fileName
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const bindings = node.importClause?.namedBindings
      if (node.importClause?.name) use(checker.getSymbolAtLocation(node.importClause.name), by)
      if (bindings && ts.isNamespaceImport(bindings)) takeWhole(node.moduleSpecifier, by)
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) use(checker.getSymbolAtLocation(element.name), by)
      }
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      if (!node.exportClause) takeWhole(node.moduleSpecifier, by)
      else if (ts.isNamedExports(node.exportClause)) {
        for (const element of node.exportClause.elements) use(checker.getSymbolAtLocation(element.name), by)
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [specifier] = node.arguments
      if (specifier) takeWhole(specifier, by)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const file = moduleFile(node.argument.literal)
      if (file && node.qualifier) {
        const name = ts.isIdentifier(node.qualifier) ? node.qualifier.text : node.qualifier.right.text
        const moduleSymbol = checker.getSymbolAtLocation(file)
        use(moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name), by)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
}

/** Whether the symbol is referred to in its own file other than where it is declared. */
function usedInFile(symbol: ts.Symbol, file: ts.SourceFile): boolean {
  const declared = new Set(symbol.declarations?.map((declaration) => ts.getNameOfDeclaration(declaration)))
  let found = false
  const visit = (node: ts.Node): void => {
    if (found) return
    if (ts.isIdentifier(node) && !declared.has(node) && checker.getSymbolAtLocation(node) === symbol) found = true
    else ts.forEachChild(node, visit)
  }
  visit(file)
  return found
}

const isType = (symbol: ts.Symbol) =>
  (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) !== 0 &&
  (symbol.flags & ts.SymbolFlags.Value) === 0

const unused: string[] = []
const fileOnly: string[] = []
const testsOnly: string[] = []
for (const file of ownFiles) {
  if (!file.fileName.startsWith(SOURCE_DIR) || isTest(file.fileName)) continue
  const moduleSymbol = checker.getSymbolAtLocation(file)
  if (!moduleSymbol || takenWhole.has(file)) continue
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const target = original(symbol)
    // A re-export is judged where it is declared.
    if (target.declarations?.[0]?.getSourceFile() !== file) continue
    const others = [...(users.get(target) ?? [])].filter((name) => name !== file.fileName)
    const where = `${relative(PACKAGE_DIR, file.fileName)}: ${symbol.name}`
    if (others.length === 0) {
      if (!usedInFile(target, file)) unused.push(where)
      else if (!isType(target)) fileOnly.push(where)
    } else if (others.every(isTest)) testsOnly.push(where)
  }
}

const list = (title: string, lines: string[]) =>
  process.stdout.write(`${title} (${lines.length}):\n${lines.map((line) => `  ${line}\n`).join('')}`)
list('Used nowhere', unused)
list('Values used only in their own file', fileOnly)
list('Imported by tests only', testsOnly)
process.exitCode = unused.length + fileOnly.length > 0 ? 1 : 0
