import type BetterSqlite3 from 'better-sqlite3'
import type { QueryResult } from 'kysely'

/** What the group commit has done, for tests and the bench. */
export interface GroupCommitStats {
  /** Statements answered through a batch (every write, and reads made while a batch was open). */
  readonly statements: number
  /** COMMITs of batches. */
  readonly commits: number
}

/** Statements that have run in the open batch, and the commit that makes them durable (stageTogether). */
export interface StagedStatements {
  readonly results: QueryResult<unknown>[]
  /** Settles when their batch commits, and fails with it. Handled already: a failure not yet awaited ends nothing. */
  readonly committed: Promise<void>
}

interface Waiter {
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/**
 * The group commit's transaction and the statements waiting for its COMMIT: begun by the first write of a
 * turn, committed once (batched-sqlite.ts decides when), and every statement that ran in it answered by that
 * COMMIT or failed with it. Nothing here is answered before the COMMIT that makes it durable.
 */
export class OpenBatch {
  #waiters: Waiter[] = []
  #open = false
  #statementCount = 0
  #commitCount = 0

  /** Prepared once: `exec` parses its SQL on every call (7% of verify-ok's CPU). */
  readonly #begin: BetterSqlite3.Statement
  readonly #commit: BetterSqlite3.Statement
  readonly #rollback: BetterSqlite3.Statement

  constructor(private readonly database: BetterSqlite3.Database) {
    // IMMEDIATE: the write lock is taken at the start, so a batch never has to upgrade a read snapshot that
    // another process (the CLI) may have made stale meanwhile.
    this.#begin = database.prepare('begin immediate')
    this.#commit = database.prepare('commit')
    this.#rollback = database.prepare('rollback')
  }

  /** Whether a batch is open (this connection holds the file's write lock). */
  get isOpen(): boolean {
    return this.#open
  }

  stats(): GroupCommitStats {
    return { statements: this.#statementCount, commits: this.#commitCount }
  }

  /** Begins a batch unless one is open; true when this call began it. */
  begin(): boolean {
    if (this.#open) return false
    this.#begin.run()
    this.#open = true
    return true
  }

  /** Settled by the open batch's COMMIT (`statements` of it wait); at once when none is open. */
  join(statements = 1): Promise<void> {
    if (!this.#open) return Promise.resolve()
    this.#statementCount += statements
    return new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  /** Answers a statement's result once its batch is committed; at once when no batch is open. */
  readonly answerOnCommit = <R>(result: R, statements: number): Promise<R> => {
    if (!this.#open) return Promise.resolve(result)
    return this.join(statements).then(() => result)
  }

  /** Answers statements that have run now, with the promise of their batch's commit. */
  readonly answerStaged = (results: QueryResult<unknown>[], statements: number): StagedStatements => {
    const committed = this.join(statements)
    // Whoever stages awaits it before answering; a rejection nobody awaits yet must not end the process.
    committed.catch(() => undefined)
    return { results, committed }
  }

  /** Commits the batch, answering its statements, or fails them all with the COMMIT's error. */
  commit(): void {
    if (!this.#open) return
    const waiters = this.#close()
    try {
      this.#commit.run()
    } catch (error) {
      if (this.database.inTransaction) {
        try {
          this.#rollback.run()
        } catch {
          // Nothing more to undo: the statements below are failed either way.
        }
      }
      for (const waiter of waiters) waiter.reject(error)
      return
    }
    this.#commitCount++
    for (const waiter of waiters) waiter.resolve()
  }

  /** SQLite rolled the whole transaction back (disk full, I/O): every statement of the batch fails with it. */
  lose(error: unknown): void {
    for (const waiter of this.#close()) waiter.reject(error)
  }

  #close(): Waiter[] {
    const waiters = this.#waiters
    this.#waiters = []
    this.#open = false
    return waiters
  }
}
