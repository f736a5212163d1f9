import { CompiledQuery, type Kysely } from 'kysely'
import { isDependencyFailure } from '../../errors/dependency-failure.js'
import type { Database } from '../database.js'
import { type InsertShape, placeholdersFor, type RowInsert } from './fixed-sql.js'
import { turnBatches } from './turn-batches.js'

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
const TURN_INSERTS_MAX = 256

interface Waiting {
  readonly inserts: readonly RowInsert[]
  resolve(): void
  reject(error: unknown): void
}

/** Runs one request's inserts on their own, as one statement (rows-together.ts). */
type InsertAlone = (db: Kysely<Database>, inserts: readonly RowInsert[]) => Promise<void>

/**
 * Inserts every row of `inserts` (one request's, all or none) with the other requests of this turn; `alone`
 * runs one request's rows, for a turn of one and for a batch run again request by request.
 */
export function turnInserts(
  alone: InsertAlone,
): (db: Kysely<Database>, inserts: readonly RowInsert[]) => Promise<void> {
  const add = turnBatches<Waiting>(TURN_INSERTS_MAX, (db, batch) => void run(db, batch, alone))
  return (db, inserts) => new Promise<void>((resolve, reject) => add(db, { inserts, resolve, reject }))
}

async function run(db: Kysely<Database>, batch: readonly Waiting[], alone: InsertAlone): Promise<void> {
  if (batch.length === 1) {
    const [only] = batch as [Waiting]
    return alone(db, only.inserts).then(only.resolve, only.reject)
  }
  try {
    await db.executeQuery(statementFor(batch))
  } catch (error) {
    if (isDependencyFailure(error)) {
      for (const request of batch) request.reject(error)
      return
    }
    // Nothing of the statement stands: each request's rows again, on their own.
    await Promise.all(batch.map((request) => alone(db, request.inserts).then(request.resolve, request.reject)))
    return
  }
  for (const request of batch) request.resolve()
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
