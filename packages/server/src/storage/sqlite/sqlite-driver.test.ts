import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CachingSqliteDialect } from './sqlite-driver.js'

interface TestTables {
  items: { id: string; parent: string | null }
  parents: { id: string }
}

describe('SQLite driver: group commit', () => {
  let folder: string
  let file: string
  let dialect: CachingSqliteDialect
  let db: Kysely<TestTables>
  /** A second connection to the same file: it sees only what is committed. */
  let observer: SqliteDatabase.Database

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tessera-driver-'))
    file = join(folder, 'test.db')
    const sqlite = new SqliteDatabase(file)
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('foreign_keys = ON')
    sqlite.exec('create table parents (id text primary key)')
    // Checked at COMMIT, so a violation fails the whole batch's commit.
    sqlite.exec(
      'create table items (id text primary key, parent text references parents(id) deferrable initially deferred)',
    )
    dialect = new CachingSqliteDialect(sqlite)
    db = new Kysely<TestTables>({ dialect })
    observer = new SqliteDatabase(file, { readonly: true })
  })

  afterEach(async () => {
    observer.close()
    await db.destroy()
    rmSync(folder, { recursive: true, force: true })
  })

  const committed = (id: string) => observer.prepare('select id from items where id = ?').get(id) !== undefined
  /** An explicit transaction that writes `in-trx`, then holds the connection until `release` and rolls back. */
  const heldTransaction = () => {
    let release: () => void = () => undefined
    const held = new Promise<void>((done) => {
      release = done
    })
    const transaction = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 'in-trx', parent: null }).execute()
      await held
      throw new Error('roll back')
    })
    return { release, transaction }
  }
  const insert = (id: string, parent: string | null = null) => db.insertInto('items').values({ id, parent }).execute()

  it('answers each write only once it is committed, and commits a turn of writes together', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `item-${i}`)
    const seenAtAnswer = await Promise.all(ids.map((id) => insert(id).then(() => committed(id))))
    expect(seenAtAnswer.every(Boolean)).toBe(true)
    const stats = dialect.stats()
    expect(stats.statements).toBe(50)
    // All 50 arrived in one turn of the event loop: one COMMIT, not 50.
    expect(stats.commits).toBe(1)
  })

  it('fails a statement that breaks a constraint alone; the rest of its batch is committed', async () => {
    await insert('taken')
    const results = await Promise.allSettled([insert('a'), insert('taken'), insert('b')])
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(committed('a')).toBe(true)
    expect(committed('b')).toBe(true)
  })

  it('fails every statement of a batch whose COMMIT fails, and goes on working after', async () => {
    const results = await Promise.allSettled([insert('x'), insert('orphan', 'no-such-parent'), insert('y')])
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(committed('x') || committed('y') || committed('orphan')).toBe(false)
    await insert('z')
    expect(committed('z')).toBe(true)
  })

  it('fails a write that waited for a transaction with the batch it joined, when that batch’s COMMIT fails', async () => {
    let waiter: Promise<unknown> = Promise.resolve()
    const transaction = db.transaction().execute(async (trx) => {
      // Checked at COMMIT: the batch this transaction ends in cannot commit.
      await trx.insertInto('items').values({ id: 'orphan', parent: 'no-such-parent' }).execute()
      // Queued for the connection before the batch's own flush (a turn later): it runs in that batch once the
      // transaction ends, and the flush commits them together.
      waiter = insert('waiter')
      await new Promise((done) => setTimeout(done, 10))
    })
    await expect(transaction).rejects.toThrow('FOREIGN KEY')
    await expect(waiter).rejects.toThrow('FOREIGN KEY')
    expect(committed('waiter')).toBe(false)
    await insert('after')
    expect(committed('after')).toBe(true)
  })

  it('rolls back a transaction alone: writes from outside made meanwhile do not join it and are kept', async () => {
    const { release, transaction } = heldTransaction()
    // Issued while the transaction holds the connection: it waits for the transaction's end.
    await new Promise((resolve) => setImmediate(resolve))
    const outside = insert('outside')
    release()
    await expect(transaction).rejects.toThrow('roll back')
    await outside
    expect(committed('outside')).toBe(true)
    expect(committed('in-trx')).toBe(false)
  })

  it('answers a transaction’s commit once it is committed', async () => {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 't1', parent: null }).execute()
      await trx.insertInto('items').values({ id: 't2', parent: null }).execute()
    })
    expect(committed('t1') && committed('t2')).toBe(true)
  })

  it('answers a read made while a batch is open after that batch is committed', async () => {
    const order: string[] = []
    const write = insert('w').then(() => order.push('write'))
    const read = db
      .selectFrom('items')
      .select('id')
      .execute()
      .then((rows) => {
        order.push('read')
        return rows
      })
    const [, rows] = await Promise.all([write, read])
    expect(rows.map((row) => row.id)).toEqual(['w'])
    expect(order).toEqual(['write', 'read'])
  })

  it('reads with no batch open need no transaction and no commit', async () => {
    await insert('r')
    const before = dialect.stats()
    await sql`select count(*) from items`.execute(db)
    expect(dialect.stats()).toEqual(before)
  })

  it('commits what is pending when the database is closed', async () => {
    const pending = insert('last')
    // Until the insert has run (microtasks only: the batch's own commit would wait for the next turn).
    for (let i = 0; i < 100 && dialect.stats().statements === 0; i++) await Promise.resolve()
    expect(committed('last')).toBe(false)
    await db.destroy()
    await pending
    expect(committed('last')).toBe(true)
    // afterEach destroys again: Kysely allows that.
    db = new Kysely<TestTables>({ dialect: new CachingSqliteDialect(new SqliteDatabase(file)) })
  })

  describe('statements together (executeTogether, what rows-together.ts uses)', () => {
    const compiled = (id: string) => db.insertInto('items').values({ id, parent: null }).compile()
    /** The driver's connection, as rows-together.ts reaches it. */
    const together = <T>(
      run: (connection: {
        executeTogether(
          queries: readonly ReturnType<typeof compiled>[],
          options?: { whenFirstChanges?: boolean },
        ): Promise<{ numAffectedRows?: bigint }[]>
      }) => Promise<T>,
    ) =>
      // biome-ignore lint/suspicious/noExplicitAny: the method is the SQLite connection's own, not Kysely's interface.
      db.getExecutor().provideConnection((connection) => run(connection as any))

    it('answers once committed, in the turn’s one batch with the other writes', async () => {
      const [seen] = await Promise.all([
        together((c) => c.executeTogether([compiled('t1'), compiled('t2')])).then(() => [
          committed('t1'),
          committed('t2'),
        ]),
        insert('alone'),
      ])
      expect(seen).toEqual([true, true])
      expect(committed('alone')).toBe(true)
      expect(dialect.stats()).toEqual({ statements: 3, commits: 1 })
    })

    it('undoes all of them when one fails, and the rest of the batch is committed', async () => {
      await insert('taken')
      const results = await Promise.allSettled([
        insert('before'),
        together((c) => c.executeTogether([compiled('first'), compiled('taken'), compiled('third')])),
        insert('after'),
      ])
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect([committed('first'), committed('third')]).toEqual([false, false])
      expect([committed('before'), committed('after')]).toEqual([true, true])
    })

    it('runs the others only when the first changed a row (whenFirstChanges)', async () => {
      await insert('parentless')
      const update = (id: string) => db.updateTable('items').set({ parent: null }).where('id', '=', id).compile()
      const won = await together((c) =>
        c.executeTogether([update('parentless'), compiled('rider-1')], { whenFirstChanges: true }),
      )
      expect(won.map((result) => result.numAffectedRows)).toEqual([1n, 1n])
      const lost = await together((c) =>
        c.executeTogether([update('missing'), compiled('rider-2')], { whenFirstChanges: true }),
      )
      expect(lost.map((result) => result.numAffectedRows)).toEqual([0n])
      expect([committed('rider-1'), committed('rider-2')]).toEqual([true, false])
    })

    it('waits for an explicit transaction to end instead of joining it', async () => {
      const { release, transaction } = heldTransaction()
      // Starts while the transaction holds the connection; its rows must not be undone with it.
      const meanwhile = together((c) => c.executeTogether([compiled('m1'), compiled('m2')]))
      await new Promise((done) => setTimeout(done, 20))
      release()
      await expect(transaction).rejects.toThrow('roll back')
      await meanwhile
      expect([committed('in-trx'), committed('m1'), committed('m2')]).toEqual([false, true, true])
    })
  })

  describe('statements staged (stageTogether, what Store.stageAll uses)', () => {
    const compiled = (id: string, parent: string | null = null) =>
      db.insertInto('items').values({ id, parent }).compile()
    type Staged = { committed: Promise<void> }
    const stage = (...queries: ReturnType<typeof compiled>[]) =>
      db
        .getExecutor()
        // biome-ignore lint/suspicious/noExplicitAny: the method is the SQLite connection's own, not Kysely's interface.
        .provideConnection((connection) => (connection as any).stageTogether(queries) as Promise<Staged>)
    /** What the connection that answers requests sees (a read joins the open batch, so it waits for its commit). */
    const seenByWriter = (id: string) => db.selectFrom('items').select('id').where('id', '=', id).executeTakeFirst()

    it('answers once the rows have run, before their commit; what follows in the turn joins the same commit', async () => {
      const staged = await stage(compiled('s1'), compiled('s2'))
      // Run, not committed: another connection does not see them yet, and nothing has been committed.
      expect([committed('s1'), committed('s2')]).toEqual([false, false])
      expect(dialect.stats().commits).toBe(0)
      // What the caller does next (a delivery attempt recorded after a fast send) lands in the same batch.
      const follower = insert('follower')
      const read = seenByWriter('s1')
      await staged.committed
      expect([committed('s1'), committed('s2')]).toEqual([true, true])
      await follower
      expect(await read).toEqual({ id: 's1' })
      expect(dialect.stats()).toEqual({ statements: 4, commits: 1 })
    })

    it('fails `committed` when the batch’s COMMIT fails, and no one awaiting it yet ends nothing', async () => {
      const rejections: unknown[] = []
      const onRejection = (reason: unknown) => rejections.push(reason)
      process.on('unhandledRejection', onRejection)
      try {
        // Checked at COMMIT: the batch cannot commit, so the staged rows are lost with it.
        const staged = await stage(compiled('lost'), compiled('orphan', 'no-such-parent'))
        await new Promise((done) => setTimeout(done, 20))
        await expect(staged.committed).rejects.toThrow('FOREIGN KEY')
        expect(committed('lost')).toBe(false)
        expect(rejections).toEqual([])
      } finally {
        process.off('unhandledRejection', onRejection)
      }
      await insert('after')
      expect(committed('after')).toBe(true)
    })

    it('fails at once, with nothing staged, when a row breaks a constraint', async () => {
      await insert('taken')
      await expect(stage(compiled('fresh'), compiled('taken'))).rejects.toThrow('UNIQUE')
      await insert('after')
      expect([committed('fresh'), committed('after')]).toEqual([false, true])
    })

    it('waits for an explicit transaction to end instead of joining it', async () => {
      const { release, transaction } = heldTransaction()
      let ran = false
      const meanwhile = stage(compiled('m1')).then((staged) => {
        ran = true
        return staged.committed
      })
      await new Promise((done) => setTimeout(done, 20))
      expect(ran).toBe(false)
      release()
      await expect(transaction).rejects.toThrow('roll back')
      await meanwhile
      expect([committed('in-trx'), committed('m1')]).toEqual([false, true])
    })
  })

  it('lets two connections of one process to one file write in the same turn: neither waits for busy_timeout', async () => {
    // Two Tessera instances in one test process: the second's BEGIN would wait for the lock synchronously,
    // blocking the event loop that is to commit the first's batch.
    const second = new SqliteDatabase(file)
    second.pragma('busy_timeout = 5000')
    const secondDialect = new CachingSqliteDialect(second)
    const other = new Kysely<TestTables>({ dialect: secondDialect })
    try {
      await Promise.all([
        insert('first-1'),
        other.insertInto('items').values({ id: 'second-1', parent: null }).execute(),
        db.transaction().execute((trx) => trx.insertInto('items').values({ id: 'first-2', parent: null }).execute()),
        other
          .transaction()
          .execute((trx) => trx.insertInto('items').values({ id: 'second-2', parent: null }).execute()),
      ])
      // A wait for the lock would end after busy_timeout with SQLITE_BUSY, failing the write.
      expect(['first-1', 'second-1', 'first-2', 'second-2'].every(committed)).toBe(true)
    } finally {
      await other.destroy()
    }
  })
})
