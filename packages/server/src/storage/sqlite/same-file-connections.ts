import { realpathSync } from 'node:fs'

/** What a connection tells the others of its file. */
export interface FileConnection {
  /** Whether its batch is open (so it holds the file's write lock). */
  readonly batchOpen: boolean
}

/**
 * This process's connections to each database file. A second connection to the same file in the same process
 * (two Tessera instances in one test process) must not begin a batch while another one's is open:
 * better-sqlite3 would wait for SQLite's write lock synchronously, blocking the very event loop that is to
 * commit the other batch, until busy_timeout fails it. Its statements first let the other batch commit. With
 * one connection per file (every real deployment) this costs one size check.
 */
const connectionsByFile = new Map<string, Set<FileConnection>>()

/** One key per file, however it was named (relative, absolute, through a symlink). */
function fileKey(name: string): string {
  try {
    return realpathSync(name)
  } catch {
    return name
  }
}

/** A connection's membership among the connections of its file. */
export class SameFileConnections<C extends FileConnection> {
  readonly #file: string
  readonly #members: Set<FileConnection>

  constructor(
    filename: string,
    private readonly self: C,
  ) {
    this.#file = fileKey(filename)
    let members = connectionsByFile.get(this.#file)
    if (members === undefined) {
      members = new Set()
      connectionsByFile.set(this.#file, members)
    }
    members.add(self)
    this.#members = members
  }

  /** Another connection of the file with its batch open, if any (never while this one's is open). */
  otherBatchOpen(): C | undefined {
    if (this.#members.size < 2 || this.self.batchOpen) return undefined
    for (const other of this.#members) if (other !== this.self && other.batchOpen) return other as C
    return undefined
  }

  /** Forgets the connection (before it closes). */
  leave(): void {
    this.#members.delete(this.self)
    if (this.#members.size === 0) connectionsByFile.delete(this.#file)
  }
}
