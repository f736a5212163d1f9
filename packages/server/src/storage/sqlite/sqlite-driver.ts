import type BetterSqlite3 from 'better-sqlite3'
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  SqliteDialect,
} from 'kysely'
import { BatchedSqlite } from './batched-sqlite.js'
import type { GroupCommitStats, StagedStatements } from './open-batch.js'
import type { WalCheckpointer } from './wal-checkpointer.js'

export type { GroupCommitStats }

/**
 * Kysely's better-sqlite3 dialect, changed where the bench measured it
 * (docs/benchmarks.md):
 *
 * - Statements are prepared once per SQL text instead of on every query.
 * - **Group commit.** A commit in WAL mode costs more than the INSERT it
 *   commits, so the writes of all requests that arrive in one turn of the
 *   event loop share one transaction, committed at the end of the turn
 *   (`setImmediate`). No statement is answered before its batch is
 *   committed — reads made while a batch is open wait for it too — so no
 *   request acts on a row that could still be lost, and a failed COMMIT fails
 *   every statement of its batch. A statement that fails (a constraint) is
 *   undone alone by SQLite; the batch goes on.
 * - An explicit transaction (Kysely's `transaction()`) runs as a SAVEPOINT
 *   inside the batch and holds the connection until it commits or rolls
 *   back; other statements wait for it in arrival order, so none joins it.
 *   Its commit, too, is answered when its batch is committed.
 */
export class CachingSqliteDialect extends SqliteDialect {
  readonly #database: BetterSqlite3.Database
  readonly #checkpointer: WalCheckpointer | undefined
  #driver: CachingSqliteDriver | undefined

  /** `checkpointer`, when given, is stopped before the connection closes. */
  constructor(database: BetterSqlite3.Database, checkpointer?: WalCheckpointer) {
    super({ database })
    this.#database = database
    this.#checkpointer = checkpointer
  }

  override createDriver(): Driver {
    this.#driver = new CachingSqliteDriver(this.#database, this.#checkpointer)
    return this.#driver
  }

  stats(): GroupCommitStats {
    return this.#driver?.stats() ?? { statements: 0, commits: 0 }
  }
}

class CachingSqliteDriver implements Driver {
  readonly #batches: BatchedSqlite
  /** Handles not in use: Kysely keeps every connection object it was ever given, so they are reused. */
  readonly #idle: SqliteHandle[] = []

  constructor(
    private readonly database: BetterSqlite3.Database,
    private readonly checkpointer: WalCheckpointer | undefined,
  ) {
    this.#batches = new BatchedSqlite(database)
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#idle.pop() ?? new SqliteHandle(this.#batches)
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#batches.beginExplicit()
    ;(connection as SqliteHandle).inTransaction = true
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    ;(connection as SqliteHandle).inTransaction = false
    await this.#batches.endExplicit('commit')
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    ;(connection as SqliteHandle).inTransaction = false
    await this.#batches.endExplicit('rollback')
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.#idle.push(connection as SqliteHandle)
  }

  async destroy(): Promise<void> {
    try {
      await this.#batches.flush()
    } finally {
      this.#batches.close()
    }
    // First: the main connection's close checkpoints and removes the WAL only as the last one open.
    await this.checkpointer?.stop()
    this.database.close()
  }

  stats(): GroupCommitStats {
    return this.#batches.stats()
  }
}

/** One acquisition of the single connection: inside an explicit transaction or not. */
class SqliteHandle implements DatabaseConnection {
  inTransaction = false

  constructor(private readonly batches: BatchedSqlite) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.batches.execute<R>(compiledQuery, this.inTransaction)
  }

  /** Statements all or none in one go (rows-together.ts uses it when the connection has it). */
  executeTogether(
    queries: readonly CompiledQuery[],
    options?: { readonly whenFirstChanges?: boolean },
  ): Promise<QueryResult<unknown>[]> {
    // Inside an explicit transaction its statements run one by one, as the transaction's own.
    if (this.inTransaction) throw new Error('executeTogether is not for a connection inside a transaction')
    return this.batches.executeTogether(queries, options)
  }

  /** Statements all or none, answered once they have run, with their batch's commit (rows-together.ts). */
  stageTogether(queries: readonly CompiledQuery[]): Promise<StagedStatements> {
    if (this.inTransaction) throw new Error('stageTogether is not for a connection inside a transaction')
    return this.batches.stageTogether(queries)
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // Not cached: an iterating statement is busy until the iteration ends, and a cached one could be reused meanwhile.
    if (!SelectQueryNode.is(compiledQuery.query)) throw new Error('SQLite streams select queries only')
    yield* this.batches.stream<R>(compiledQuery)
  }
}
