import { setImmediate } from 'node:timers'
import { CompiledQuery, type Kysely } from 'kysely'
import { isDependencyFailure } from '../../errors/dependency-failure.js'
import type { Database } from '../database.js'
import { type InsertShape, placeholdersFor, type RowInsert } from './fixed-sql.js'

/**
 * PostgreSQL's group commit: the row inserts that the requests of one turn of the event loop ask for
 * (Store.insertAll outside a transaction: a start's verification and its event, a delivery attempt and its
 * event) leave at the turn's check phase as one statement, one round trip and one commit for all of them,
 * instead of one each. Under load that is what PostgreSQL pays for most: a commit is a WAL flush, and a
 * statement a parse-free bind and execute plus its own network write on each side.
 *
 * The statement takes each table's rows as one JSON parameter, read back as rows of the table's own type
 * (`json_populate_recordset`), so its text depends only on which tables and columns the batch holds, not on
 * how many rows: the same few texts come back, and run as named statements (postgres/named-statements.ts).
 *
 * All or nothing, as one statement is. A batch that fails for its data (one request's row breaks a
 * constraint) is run again one request at a time, so each request gets its own answer and only the one that
 * broke it fails; a batch that fails because the database went away fails every request in it (each answers
 * 503), since whether its commit happened is not known.
 */

/** Requests a statement carries at most: a larger turn is split. */
export const TURN_INSERTS_MAX = 256

interface Waiting {
  readonly inserts: readonly RowInsert[]
  resolve(): void
  reject(error: unknown): void
}

/** Inserts every row of `inserts` (one request's, all or none) with the other requests of this turn. */
export function insertInTurn(
  db: Kysely<Database>,
  inserts: readonly RowInsert[],
  /** Runs one request's inserts on their own, as one statement (rows-together.ts). */
  alone: (db: Kysely<Database>, inserts: readonly RowInsert[]) => Promise<void>,
): Promise<void> {
  let turn = turns.get(db)
  if (turn === undefined) {
    turn = new TurnInserts(db, alone)
    turns.set(db, turn)
  }
  return turn.add(inserts)
}

/** One per database (the Kysely instance outside any transaction). */
const turns = new WeakMap<Kysely<Database>, TurnInserts>()

class TurnInserts {
  #waiting: Waiting[] = []

  constructor(
    private readonly db: Kysely<Database>,
    private readonly alone: (db: Kysely<Database>, inserts: readonly RowInsert[]) => Promise<void>,
  ) {}

  add(inserts: readonly RowInsert[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // setImmediate's callback, from the module, so a test's fake timers do not hold the writes back.
      if (this.#waiting.length === 0) setImmediate(() => this.#flush())
      this.#waiting.push({ inserts, resolve, reject })
    })
  }

  #flush(): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (let from = 0; from < waiting.length; from += TURN_INSERTS_MAX) {
      void this.#run(waiting.slice(from, from + TURN_INSERTS_MAX))
    }
  }

  async #run(batch: readonly Waiting[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch as [Waiting]
      return this.alone(this.db, only.inserts).then(only.resolve, only.reject)
    }
    try {
      await this.db.executeQuery(statementFor(batch))
    } catch (error) {
      if (isDependencyFailure(error)) {
        for (const request of batch) request.reject(error)
        return
      }
      // Nothing of the statement stands: each request's rows again, on their own.
      await Promise.all(
        batch.map((request) => this.alone(this.db, request.inserts).then(request.resolve, request.reject)),
      )
      return
    }
    for (const request of batch) request.resolve()
  }
}

/** Rows of one shape (table and columns), and the JSON array they will be sent as. */
interface ShapeRows {
  readonly shape: InsertShape
  json: string
}

function statementFor(batch: readonly Waiting[]): CompiledQuery {
  const byShape = new Map<InsertShape, ShapeRows>()
  for (const request of batch) {
    for (const insert of request.inserts) {
      const rowJson = jsonOf(insert)
      const rows = byShape.get(insert.shape)
      if (rows === undefined) byShape.set(insert.shape, { shape: insert.shape, json: rowJson })
      else rows.json += `,${rowJson}`
    }
  }
  // In a fixed order (by text), so the same shapes make the same text whatever order the requests came in.
  const groups = [...byShape.values()].sort((a, b) => (a.shape.into < b.shape.into ? -1 : 1))
  return CompiledQuery.raw(
    textFor(groups.map((group) => group.shape)),
    groups.map((group) => `[${group.json}]`),
  )
}

/** The row as a JSON object with its columns' names: `{"app_id":"app_…",…}`. */
function jsonOf({ shape, source }: RowInsert): string {
  let json = ''
  for (let i = 0; i < shape.keys.length; i++) {
    // A value JSON cannot carry (a bigint) throws: the batch then runs request by request, as before.
    json += `${i === 0 ? '{' : ','}${shape.columns[i]}:${JSON.stringify(source[shape.keys[i] as string])}`
  }
  return `${json}}`
}

/** Statement texts by the shapes they insert: a handful come back on every turn. */
const texts = new Map<string, string>()

function textFor(shapes: readonly InsertShape[]): string {
  const key = shapes.map((shape) => shape.into).join('\n')
  let text = texts.get(key)
  if (text === undefined) {
    const clauses = shapes.map(
      (shape, i) =>
        `w${i} as (${shape.into} select ${shape.overRow} from json_populate_recordset(null::"${shape.table}", ?::json) r)`,
    )
    text = placeholdersFor('postgres', `with ${clauses.join(', ')} select 1`)
    // Shapes are few (tables × optional columns); the bound only guards against a surprise.
    if (texts.size >= 256) texts.clear()
    texts.set(key, text)
  }
  return text
}
