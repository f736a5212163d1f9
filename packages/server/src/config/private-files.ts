import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs'

/**
 * The data folder and everything in it (the SQLite database with its WAL and
 * SHM files, the generated secret and admin key) belong to the service's user
 * alone: they hold identifiers, hosted session ids, events and keys. Modes are
 * set with chmod, not left to the umask (a umask of 000 would otherwise make
 * them world-writable).
 */
const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

/**
 * Creates `dir` (and missing parents) owner-only, or tightens an existing one
 * whose mode lets others in. Answers a start-up log line when it tightened or
 * could not tighten a mode; paths and modes only.
 */
export function ensurePrivateDir(dir: string): string | undefined {
  // mkdir's mode is masked by the umask; the chmod below sets it exactly on the folder it made.
  const created = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  if (created === undefined) {
    // A sticky folder (/tmp) is shared by design: closing it would break every other user of it.
    if (statSync(dir).mode & 0o1000) {
      return `${dir} is a shared folder (sticky bit): its mode is left alone; give Tessera a data folder of its own`
    }
    return restrictMode(dir, PRIVATE_DIR_MODE)
  }
  chmodSync(dir, PRIVATE_DIR_MODE)
  return undefined
}

/**
 * Creates an empty owner-only file (a new SQLite database may start empty), or
 * tightens an existing one like `restrictMode`.
 */
export function ensurePrivateFile(path: string): string | undefined {
  let fd: number
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE_MODE)
  } catch (error) {
    // Made before, or meanwhile by another process (the CLI beside the server): keep it, tighten it.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return restrictMode(path, PRIVATE_FILE_MODE)
    throw error
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE)
  } finally {
    closeSync(fd)
  }
  return undefined
}

/**
 * Takes away from `path` every permission outside `mode` (group and other
 * bits), when it exists; never adds one (an operator's 0400 stays). Answers a
 * start-up log line when it changed or could not change the mode.
 */
export function restrictMode(path: string, mode: number): string | undefined {
  let current: number
  try {
    current = statSync(path).mode & 0o777
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const tightened = current & mode
  if (tightened === current) return undefined
  try {
    chmodSync(path, tightened)
  } catch (error) {
    // Not ours to change (another owner): say so loudly rather than refuse to start.
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    return `${path} is mode ${octal(current)}, open to other users, and could not be restricted to ${octal(tightened)}: ${code}`
  }
  return `${path} was mode ${octal(current)}, open to other users: set to ${octal(tightened)}`
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`
}
