/**
 * The layering rules of packages/server/src (docs/architecture.md), checked by `npm run check`.
 * Folder cycles are found by test/architecture.test.ts (dependency-cruiser sees module cycles only).
 */
const SRC = '^packages/server/src/'
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module cycle makes load order matter and the layers meaningless.',
      from: { path: SRC },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-knows-no-transport-or-dialect',
      severity: 'error',
      comment: 'The core knows no HTTP, no web page, no SQL dialect and no provider.',
      from: { path: `${SRC}core/` },
      to: {
        path: [
          `${SRC}http/`,
          `${SRC}web/`,
          `${SRC}cli/`,
          `${SRC}storage/(sqlite|postgres|sql)/`,
          `${SRC}delivery/(?!delivery-provider|provider-chain|provider-registry|templates)[^/]+/`,
        ],
      },
    },
    {
      name: 'leaves-stay-leaves',
      severity: 'error',
      comment: 'crypto, errors, i18n, identifiers, channels and settings import nothing above them.',
      from: { path: `${SRC}(crypto|errors|i18n|identifiers|channels|settings)/` },
      to: { path: `${SRC}(core|http|web|cli|storage|delivery|verifiers|limits|config|logging)/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
}
