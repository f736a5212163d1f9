import { configDefaults, defineConfig } from 'vitest/config'

// The suite runs on SQLite always. With TEST_POSTGRES_URL set (always in CI), every
// test that goes through the storage layer runs a second time against PostgreSQL,
// each test app in a schema of its own.
const postgresUrl = process.env.TEST_POSTGRES_URL
if (!postgresUrl) {
  process.stderr.write('TEST_POSTGRES_URL is not set: the PostgreSQL project is skipped (CI always sets it).\n')
}

const shared = {
  // better-sqlite3 is a native addon: separate processes are the safe pool for it.
  pool: 'forks' as const,
  testTimeout: 30_000,
  hookTimeout: 60_000,
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'sqlite',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          // PostgreSQL's own driver: run in the postgres project only.
          exclude: [...configDefaults.exclude, 'packages/server/src/storage/postgres/**'],
        },
      },
      ...(postgresUrl
        ? [
            {
              test: {
                ...shared,
                name: 'postgres',
                globalSetup: ['packages/server/test/helpers/postgres-schemas.ts'],
                include: [
                  'packages/server/src/http/**/*.test.ts',
                  'packages/server/src/storage/**/*.test.ts',
                  'packages/server/src/core/prune-job.test.ts',
                ],
                // SQLite's own driver, WAL checkpointer and statement cache: run once, in the sqlite project.
                exclude: [...configDefaults.exclude, 'packages/server/src/storage/sqlite/**'],
                env: { TEST_DATABASE: 'postgres', TEST_POSTGRES_URL: postgresUrl },
              },
            },
          ]
        : []),
    ],
  },
})
