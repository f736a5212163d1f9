import { setImmediate } from 'node:timers'
import type BetterSqlite3 from 'better-sqlite3'
import type { CompiledQuery, QueryResult } from 'kysely'
import { FifoLock } from './fifo-lock.js'
import { type GroupCommitStats, OpenBatch, type StagedStatements } from './open-batch.js'
import { SameFileConnections } from './same-file-connections.js'
import { StatementCache } from './statement-cache.js'

const SAVEPOINT = 'tessera_tx'

/**
 * The one better-sqlite3 connection, its statement cache and who may run statements on it when: the group
 * commit that sqlite-driver.ts describes (all writes of one event-loop turn in one transaction, its OpenBatch,
 * committed at the end of the turn), explicit transactions as savepoints inside it, and the other connections
 * of this process to the same file.
 */
export class BatchedSqlite {
  readonly #statements: StatementCache
  /** Held by an explicit transaction from its start to its end; others queue behind it. */
  readonly #gate = new FifoLock()
  /** The open batch: the transaction this object began, and the statements waiting for its COMMIT. */
  readonly #batch: OpenBatch
  #flushScheduled = false
  /** An explicit transaction holds the gate. */
  #explicitOpen = false
  /** The error with which SQLite rolled back the batch under the open explicit transaction, if it did. */
  #explicitLostTo: unknown

  /** Savepoint control, prepared once (as the batch's own statements are). */
  readonly #control: Record<'savepoint' | 'release' | 'rollbackTo', BetterSqlite3.Statement>

  /** The connections of this process to the same file (none for an in-memory database). */
  readonly #sameFile: SameFileConnections<BatchedSqlite> | undefined

  constructor(private readonly database: BetterSqlite3.Database) {
    this.#statements = new StatementCache(database)
    if (!database.memory) this.#sameFile = new SameFileConnections(database.name, this)
    this.#batch = new OpenBatch(database)
    this.#control = {
      savepoint: database.prepare(`savepoint ${SAVEPOINT}`),
      release: database.prepare(`release ${SAVEPOINT}`),
      rollbackTo: database.prepare(`rollback to ${SAVEPOINT}`),
    }
  }

  /** Whether a batch is open (this connection holds the file's write lock). */
  get batchOpen(): boolean {
    return this.#batch.isOpen
  }

  stats(): GroupCommitStats {
    return this.#batch.stats()
  }

  async execute<R>(compiledQuery: CompiledQuery, inExplicitTransaction: boolean): Promise<QueryResult<R>> {
    // The transaction that holds the gate runs its own statements; anyone else waits for it to end.
    if (inExplicitTransaction) {
      // Its work is gone with the batch: nothing more of it may run, let alone commit.
      if (this.#explicitLostTo !== undefined) throw this.#explicitLostTo
      return this.#run<R>(compiledQuery)
    }
    return this.#alone(() => this.#run<R>(compiledQuery), 1, this.#batch.answerOnCommit)
  }

  /**
   * Runs statements all or none, in one synchronous stretch of the batch (a savepoint when there are several),
   * answered when the batch is committed: what an explicit transaction of writes would do, without a turn of
   * the event loop per statement. With `whenFirstChanges`, the others run only if the first changed a row
   * (a conditional update and the rows that come with it); the answer then holds the first's result alone.
   */
  async executeTogether(
    queries: readonly CompiledQuery[],
    options: { readonly whenFirstChanges?: boolean } = {},
  ): Promise<QueryResult<unknown>[]> {
    return this.#alone(
      () => this.#runTogether(queries, options.whenFirstChanges === true),
      queries.length,
      this.#batch.answerOnCommit,
    )
  }

  /**
   * As executeTogether, but answers as soon as the statements have run in the open batch, with the promise of
   * its commit: every later statement of this process sees them, and the caller can act on that (send the code
   * the rows describe) while the batch fills, then answer its client once `committed` settles. A start's
   * delivery attempt then joins the batch of its verification: one commit a start instead of two.
   */
  async stageTogether(queries: readonly CompiledQuery[]): Promise<StagedStatements> {
    return this.#alone(() => this.#runTogether(queries, false), queries.length, this.#batch.answerStaged)
  }

  async *stream<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const row of this.database.prepare(compiledQuery.sql).iterate(compiledQuery.parameters)) {
      yield { rows: [row as R] }
    }
  }

  async beginExplicit(): Promise<void> {
    await this.#gate.acquire()
    try {
      for (let other = this.#otherBatchOpen(); other !== undefined; other = this.#otherBatchOpen()) await other.flush()
      this.#open()
      this.#control.savepoint.run()
    } catch (error) {
      this.#gate.release()
      throw error
    }
    this.#explicitOpen = true
    this.#explicitLostTo = undefined
  }

  async endExplicit(how: 'commit' | 'rollback'): Promise<void> {
    // Ended already: its commit failed and Kysely rolls back after it.
    if (!this.#explicitOpen) return
    this.#explicitOpen = false
    let committed: Promise<void> | undefined
    try {
      if (this.#explicitLostTo !== undefined) {
        if (how === 'commit') throw this.#explicitLostTo
      } else if (how === 'commit') {
        this.#control.release.run()
        committed = this.#batch.join()
      } else {
        // Undo the transaction's work only; the batch around it stands.
        this.#control.rollbackTo.run()
        this.#control.release.run()
      }
    } catch (error) {
      this.#abortIfRolledBack(error)
      throw error
    } finally {
      // The gate opens before the wait for the batch: the flush needs it.
      this.#gate.release()
    }
    await committed
  }

  /** Commits the open batch now (waiting for a running explicit transaction to end). */
  async flush(): Promise<void> {
    this.#flushScheduled = false
    if (!this.#batch.isOpen) return
    await this.#gate.acquire()
    try {
      this.#batch.commit()
    } finally {
      this.#gate.release()
    }
  }

  /** Forgets this connection (before it closes). */
  close(): void {
    this.#sameFile?.leave()
  }

  /** Another connection of this process to the same file with its batch open (so holding the write lock). */
  #otherBatchOpen(): BatchedSqlite | undefined {
    return this.#sameFile?.otherBatchOpen()
  }

  /**
   * Runs `run` (`statements` synchronous statements) with the connection to itself, and answers with `answer`
   * (once their batch is committed, or with the promise of it): runs at once when no explicit transaction holds
   * the connection and no other connection of the file has a batch open, else after them, in arrival order
   * (checked again after the last wait, in the same synchronous stretch as `run`).
   */
  #alone<T, A>(
    run: () => T,
    statements: number,
    answer: (result: T, statements: number) => A | Promise<A>,
  ): A | Promise<A> {
    if (!this.#gate.busy && this.#otherBatchOpen() === undefined) return answer(run(), statements)
    return this.#afterOthers(run, statements, answer)
  }

  async #afterOthers<T, A>(
    run: () => T,
    statements: number,
    answer: (result: T, statements: number) => A | Promise<A>,
  ): Promise<A> {
    await this.#gate.acquire()
    let result: T
    try {
      for (let other = this.#otherBatchOpen(); other !== undefined; other = this.#otherBatchOpen()) await other.flush()
      result = run()
    } finally {
      // Before the wait for the commit: the flush needs the gate.
      this.#gate.release()
    }
    // In the same synchronous stretch as `run`: a flush the release let in runs after this, so the statements
    // are among those its COMMIT answers (and fails, if it fails), never answered before it.
    return answer(result, statements)
  }

  /** Runs one statement at once (better-sqlite3 is synchronous) inside the batch when it writes. */
  #run<R>(compiledQuery: CompiledQuery): QueryResult<R> {
    const { sql, parameters } = compiledQuery
    const statement = this.#statements.get(sql)
    // A read with no batch open needs no transaction; a write opens the batch (a read joins an open one).
    if (!statement.readonly) this.#open()
    try {
      if (statement.reader) return { rows: statement.all(parameters) as R[] }
      const { changes, lastInsertRowid } = statement.run(parameters)
      return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
    } catch (error) {
      this.#abortIfRolledBack(error)
      throw error
    }
  }

  /** The statements of executeTogether, between a savepoint and its release (undone together if one fails). */
  #runTogether(queries: readonly CompiledQuery[], whenFirstChanges: boolean): QueryResult<unknown>[] {
    if (queries.length === 1) return [this.#run(queries[0] as CompiledQuery)]
    this.#open()
    this.#control.savepoint.run()
    const results: QueryResult<unknown>[] = []
    try {
      for (const query of queries) {
        const result = this.#run(query)
        results.push(result)
        if (whenFirstChanges && results.length === 1 && (result.numAffectedRows ?? 0n) === 0n) break
      }
      this.#control.release.run()
      return results
    } catch (error) {
      // Undo this group's statements only; the batch around them stands (unless SQLite rolled it all back).
      if (this.database.inTransaction) {
        this.#control.rollbackTo.run()
        this.#control.release.run()
      }
      throw error
    }
  }

  /** Begins a batch unless one is open; it is committed at the end of this turn of the event loop. */
  #open(): void {
    if (!this.#batch.begin() || this.#flushScheduled) return
    this.#flushScheduled = true
    setImmediate(() => {
      // A failed COMMIT has failed its statements; nothing is left to report here.
      this.flush().catch(() => undefined)
    })
  }

  /**
   * Some errors (disk full, I/O) make SQLite roll back the whole transaction,
   * not just the failing statement: then every statement of the batch is lost
   * and failed with it.
   */
  #abortIfRolledBack(error: unknown): void {
    if (!this.#batch.isOpen || this.database.inTransaction) return
    if (this.#explicitOpen) this.#explicitLostTo = error
    this.#batch.lose(error)
  }
}
