import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // better-sqlite3 is a native addon: separate processes are the safe pool for it.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
