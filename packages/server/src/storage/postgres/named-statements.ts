import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'
import type pg from 'pg'
import { isStaleStatement } from '../../errors/dependency-failure.js'

/** Query texts that may get a named statement: the hot paths' fixed texts are a few dozen. */
export const NAMED_STATEMENTS_MAX = 256

/** Texts seen once, kept until their second use names them; forgotten together past this many. */
const SEEN_ONCE_MAX = 1024

/**
 * Which query texts run as named (server-side prepared) statements, and their names.
 *
 * Unnamed, every query makes PostgreSQL parse, analyse and plan its text again: on this kind of machine a
 * third of its CPU for a short INSERT (`pgbench -N`: ~2,900 transactions/s extended, ~3,900 prepared). Named,
 * each connection parses a text once and then only binds and executes it. A text is named at its second use,
 * so a one-off query (a migration's, an admin's filter) takes no slot, and at most NAMED_STATEMENTS_MAX texts
 * ever are, so each connection holds a bounded number of statements whatever queries Kysely builds.
 */
export class StatementNames {
  readonly #names = new Map<string, string>()
  readonly #seenOnce = new Set<string>()
  /** Texts whose statement failed as a statement (a plan gone stale under DDL): they run unnamed from then on. */
  readonly #retired = new Set<string>()
  #made = 0

  constructor(private readonly max = NAMED_STATEMENTS_MAX) {}

  /** The name `text` runs under, or undefined to run it unnamed. */
  nameFor(text: string): string | undefined {
    const name = this.#names.get(text)
    if (name !== undefined) return name
    if (this.#made >= this.max || this.#retired.has(text)) return undefined
    if (!this.#seenOnce.has(text)) {
      if (this.#seenOnce.size >= SEEN_ONCE_MAX) this.#seenOnce.clear()
      this.#seenOnce.add(text)
      return undefined
    }
    this.#seenOnce.delete(text)
    const made = `tessera_${this.#made++}`
    this.#names.set(text, made)
    return made
  }

  /** Runs `text` unnamed from now on, on every connection (a name is never reused for another text). */
  retire(text: string): void {
    if (this.#names.delete(text)) this.#retired.add(text)
  }

  get size(): number {
    return this.#names.size
  }
}

/** A pool client that sends the texts `names` names as named statements. */
class NamingClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly names: StatementNames,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely passes a cursor only for streams, which Tessera's PostgreSQL dialect does not configure.
    if (typeof sqlOrCursor !== 'string') return this.client.query(sqlOrCursor as never)
    return this.#run<R>(sqlOrCursor, parameters ?? [])
  }

  release(): void {
    this.client.release()
  }

  async #run<R>(text: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    // Kysely hands over a fresh copy of its parameters for each query: no need for another.
    const values = parameters as unknown[]
    // Only texts with parameters: they go through the extended protocol anyway, while a text without them
    // goes through the simple one, which alone runs several statements in one text (as a migration may).
    const name = values.length > 0 ? this.names.nameFor(text) : undefined
    if (name === undefined) return this.client.query(text, values) as unknown as Promise<PostgresQueryResult<R>>
    try {
      return (await this.client.query({ name, text, values })) as unknown as PostgresQueryResult<R>
    } catch (error) {
      if (!isStaleStatement(error)) throw error
      this.names.retire(text)
      // Outside a transaction nothing else failed with it: run it again unnamed. Inside one, the transaction is
      // aborted: the request answers 503 (errors/dependency-failure.ts), and its retry runs the text unnamed.
      if (this.client.getTransactionStatus() !== 'I') throw error
      return this.client.query(text, values) as unknown as Promise<PostgresQueryResult<R>>
    }
  }
}

/** `pool` for Kysely's PostgresDialect, its queries with parameters sent as named statements (StatementNames). */
export function withNamedStatements(pool: pg.Pool, names = new StatementNames()): PostgresPool {
  // One wrapper per pg client: Kysely keeps its connection object per client it is given.
  const wrappers = new WeakMap<pg.PoolClient, NamingClient>()
  return {
    async connect() {
      const client = await pool.connect()
      let wrapper = wrappers.get(client)
      if (wrapper === undefined) {
        wrapper = new NamingClient(client, names)
        wrappers.set(client, wrapper)
      }
      return wrapper
    },
    end: () => pool.end(),
  }
}
