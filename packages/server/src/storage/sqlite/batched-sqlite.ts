import { setImmediate } from 'node:timers'
import type BetterSqlite3 from 'better-sqlite3'
import type { CompiledQuery, QueryResult } from 'kysely'
import { FifoLock } from './fifo-lock.js'
import { SameFileConnections } from './same-file-connections.js'
import { StatementCache } from './statement-cache.js'

/** What the group commit has done, for tests and the bench. */
export interface GroupCommitStats {
  /** Statements answered through a batch (every write, and reads made while a batch was open). */
  readonly statements: number
  /** COMMITs of batches. */
  readonly commits: number
}

interface Pending {
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/** Statements that have run in the open batch, and the commit that makes them durable (stageTogether). */
export interface StagedStatements {
  readonly results: QueryResult<unknown>[]
  /** Settles when their batch commits, and fails with it. Handled already: a failure not yet awaited ends nothing. */
  readonly committed: Promise<void>
}

const SAVEPOINT = 'tessera_tx'

/**
 * The one better-sqlite3 connection, its statement cache and the open batch: the group commit that
 * sqlite-driver.ts describes (all writes of one event-loop turn in one transaction, nothing answered
 * before its COMMIT).
 */
export class BatchedSqlite {
  readonly #statements: StatementCache
  /** Held by an explicit transaction from its start to its end; others queue behind it. */
  readonly #gate = new FifoLock()
  /** Statements of the open batch, answered when it commits. */
  #pending: Pending[] = []
  /** Whether this object began the transaction the connection is in. */
  #batchOpen = false
  #flushScheduled = false
  /** An explicit transaction holds the gate. */
  #explicitOpen = false
  /** The error with which SQLite rolled back the batch under the open explicit transaction, if it did. */
  #explicitLostTo: unknown
  #statementCount = 0
  #commitCount = 0

  /** Transaction control, prepared once: `exec` parses its SQL on every call (7% of verify-ok's CPU). */
  readonly #control: Record<
    'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo',
    BetterSqlite3.Statement
  >

  /** The connections of this process to the same file (none for an in-memory database). */
  readonly #sameFile: SameFileConnections<BatchedSqlite> | undefined

  constructor(private readonly database: BetterSqlite3.Database) {
    this.#statements = new StatementCache(database)
    if (!database.memory) this.#sameFile = new SameFileConnections(database.name, this)
    this.#control = {
      // IMMEDIATE: the write lock is taken at the start, so a batch never has to upgrade a read snapshot
      // that another process (the CLI) may have made stale meanwhile.
      begin: database.prepare('begin immediate'),
      commit: database.prepare('commit'),
      rollback: database.prepare('rollback'),
      savepoint: database.prepare(`savepoint ${SAVEPOINT}`),
      release: database.prepare(`release ${SAVEPOINT}`),
      rollbackTo: database.prepare(`rollback to ${SAVEPOINT}`),
    }
  }

  /** Whether a batch is open (this connection holds the file's write lock). */
  get batchOpen(): boolean {
    return this.#batchOpen
  }

  stats(): GroupCommitStats {
    return { statements: this.#statementCount, commits: this.#commitCount }
  }

  async execute<R>(compiledQuery: CompiledQuery, inExplicitTransaction: boolean): Promise<QueryResult<R>> {
    // The transaction that holds the gate runs its own statements; anyone else waits for it to end.
    if (inExplicitTransaction) {
      // Its work is gone with the batch: nothing more of it may run, let alone commit.
      if (this.#explicitLostTo !== undefined) throw this.#explicitLostTo
      return this.#run<R>(compiledQuery)
    }
    return this.#alone(() => this.#run<R>(compiledQuery), 1, this.#onCommit)
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
      this.#onCommit,
    )
  }

  /**
   * As executeTogether, but answers as soon as the statements have run in the open batch, with the promise of
   * its commit: every later statement of this process sees them, and the caller can act on that (send the code
   * the rows describe) while the batch fills, then answer its client once `committed` settles. A start's
   * delivery attempt then joins the batch of its verification: one commit a start instead of two.
   */
  async stageTogether(queries: readonly CompiledQuery[]): Promise<StagedStatements> {
    return this.#alone(() => this.#runTogether(queries, false), queries.length, this.#staged)
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
        committed = this.#join()
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
    if (!this.#batchOpen) return
    await this.#gate.acquire()
    try {
      this.#commit()
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

  /** Answers a statement's result once its batch is committed; at once when no batch is open. */
  readonly #onCommit = <R>(result: R, statements: number): Promise<R> => {
    if (!this.#batchOpen) return Promise.resolve(result)
    return this.#join(statements).then(() => result)
  }

  /** Answers statements that have run now, with the promise of their batch's commit. */
  readonly #staged = (results: QueryResult<unknown>[], statements: number): StagedStatements => {
    if (!this.#batchOpen) return { results, committed: Promise.resolve() }
    const committed = this.#join(statements)
    // Whoever stages awaits it before answering; a rejection nobody awaits yet must not end the process.
    committed.catch(() => undefined)
    return { results, committed }
  }

  #join(statements = 1): Promise<void> {
    this.#statementCount += statements
    return new Promise<void>((resolve, reject) => this.#pending.push({ resolve, reject }))
  }

  /** Begins a batch unless one is open; it is committed at the end of this turn of the event loop. */
  #open(): void {
    if (this.#batchOpen) return
    this.#control.begin.run()
    this.#batchOpen = true
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    setImmediate(() => {
      // A failed COMMIT has failed its statements; nothing is left to report here.
      this.flush().catch(() => undefined)
    })
  }

  #commit(): void {
    if (!this.#batchOpen) return
    const pending = this.#pending
    this.#pending = []
    this.#batchOpen = false
    try {
      this.#control.commit.run()
    } catch (error) {
      if (this.database.inTransaction) {
        try {
          this.#control.rollback.run()
        } catch {
          // Nothing more to undo: the statements below are failed either way.
        }
      }
      for (const statement of pending) statement.reject(error)
      return
    }
    this.#commitCount++
    for (const statement of pending) statement.resolve()
  }

  /**
   * Some errors (disk full, I/O) make SQLite roll back the whole transaction,
   * not just the failing statement: then every statement of the batch is lost
   * and failed with it.
   */
  #abortIfRolledBack(error: unknown): void {
    if (!this.#batchOpen || this.database.inTransaction) return
    if (this.#explicitOpen) this.#explicitLostTo = error
    const pending = this.#pending
    this.#pending = []
    this.#batchOpen = false
    for (const statement of pending) statement.reject(error)
  }
}
