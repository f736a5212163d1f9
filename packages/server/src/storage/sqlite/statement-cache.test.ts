import SqliteDatabase from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StatementCache } from './statement-cache.js'

describe('StatementCache', () => {
  let database: SqliteDatabase.Database
  let prepared: string[]
  let cache: StatementCache

  beforeEach(() => {
    database = new SqliteDatabase(':memory:')
    prepared = []
    const prepare = database.prepare.bind(database)
    // Counts what is prepared: a hit must not prepare again.
    database.prepare = ((source: string) => {
      prepared.push(source)
      return prepare(source)
    }) as typeof database.prepare
    cache = new StatementCache(database)
  })
  afterEach(() => database.close())

  it('prepares each SQL text once and answers the same statement after', () => {
    const first = cache.get('select 1 as one')
    for (let i = 0; i < 100; i++) expect(cache.get('select 1 as one')).toBe(first)
    expect(cache.get('select 2 as two')).not.toBe(first)
    expect(prepared).toEqual(['select 1 as one', 'select 2 as two'])
    expect((first.get() as { one: number }).one).toBe(1)
  })

  it('keeps at most 500 texts, dropping the first prepared (a hot one is prepared again once)', () => {
    const hot = cache.get('select 0 as n')
    for (let i = 1; i < 500; i++) cache.get(`select ${i} as n`)
    // Full: every text is still prepared once.
    expect(cache.get('select 0 as n')).toBe(hot)
    expect(prepared).toHaveLength(500)
    // One more drops the first prepared, the hot one included (hits do not reorder).
    cache.get('select 500 as n')
    const again = cache.get('select 0 as n')
    expect(again).not.toBe(hot)
    expect(prepared).toHaveLength(502)
    expect(prepared.at(-1)).toBe('select 0 as n')
    // The one dropped to make room for it was the next oldest, `select 1`.
    cache.get('select 1 as n')
    expect(prepared.at(-1)).toBe('select 1 as n')
    expect(prepared).toHaveLength(503)
  })
})
