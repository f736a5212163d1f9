// `--db postgres`: every Tessera the bench starts gets a database of its own
// (created here on the server TEST_POSTGRES_URL names, dropped afterwards), so
// runs neither see one another's rows nor signing keys sealed with another
// run's secret. (A schema through search_path is not enough: Kysely's migrator
// finds the migration tables of `public` and skips creating its own.)

import { randomBytes } from 'node:crypto'
import pg from 'pg'

export function postgresUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}

/** The same server and credentials, another database. */
export function urlWithDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.href
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 5000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Creates a fresh database; answers its name and the DATABASE_URL that selects it. */
export async function createBenchDatabase(): Promise<{ database: string; url: string }> {
  const database = `tessera_bench_${randomBytes(5).toString('hex')}`
  await withClient((client) => client.query(`CREATE DATABASE ${database}`))
  return { database, url: urlWithDatabase(postgresUrl(), database) }
}

export async function dropBenchDatabase(database: string): Promise<void> {
  if (!/^tessera_bench_[0-9a-f]+$/.test(database)) throw new Error(`not a bench database: ${database}`)
  await withClient((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
}
