import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensurePrivateDir, ensurePrivateFile } from './private-files.js'

// @see issue 13, part 5: the data folder 0700 and its files 0600, whatever the umask.

let root: string
let savedUmask: number
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tessera-private-files-'))
  // The loosest umask: every mode below must come from the code, not from the umask.
  savedUmask = process.umask(0)
})
afterEach(() => {
  process.umask(savedUmask)
  rmSync(root, { recursive: true, force: true })
})

const modeOf = (path: string) => statSync(path).mode & 0o777

describe('ensurePrivateDir', () => {
  it('creates a missing folder, parents included, owner-only', () => {
    const dir = join(root, 'a', 'b', 'data')
    expect(ensurePrivateDir(dir)).toBeUndefined()
    expect(modeOf(dir)).toBe(0o700)
    expect(modeOf(join(root, 'a'))).toBe(0o700)
  })

  it('tightens a folder open to other users and says so, naming the path and modes only', () => {
    const dir = join(root, 'data')
    mkdirSync(dir)
    chmodSync(dir, 0o755)
    expect(ensurePrivateDir(dir)).toBe(`${dir} was mode 0755, open to other users: set to 0700`)
    expect(modeOf(dir)).toBe(0o700)
    expect(ensurePrivateDir(dir)).toBeUndefined()
  })

  it('leaves a shared sticky folder (such as /tmp) alone, and says so', () => {
    const dir = join(root, 'shared')
    mkdirSync(dir)
    chmodSync(dir, 0o1777)
    expect(ensurePrivateDir(dir)).toContain('sticky bit')
    expect(statSync(dir).mode & 0o7777).toBe(0o1777)
  })

  it('never adds a permission the operator took away', () => {
    const dir = join(root, 'data')
    mkdirSync(dir)
    chmodSync(dir, 0o500)
    expect(ensurePrivateDir(dir)).toBeUndefined()
    expect(modeOf(dir)).toBe(0o500)
    chmodSync(dir, 0o700)
  })
})

describe('ensurePrivateFile', () => {
  it('creates a missing file empty and owner-only', () => {
    const path = join(root, 'file')
    expect(ensurePrivateFile(path)).toBeUndefined()
    expect(modeOf(path)).toBe(0o600)
    expect(statSync(path).size).toBe(0)
  })

  it('keeps an existing file and its content, and tightens it', () => {
    const path = join(root, 'file')
    writeFileSync(path, 'kept')
    chmodSync(path, 0o666)
    expect(ensurePrivateFile(path)).toBe(`${path} was mode 0666, open to other users: set to 0600`)
    expect(modeOf(path)).toBe(0o600)
    expect(statSync(path).size).toBe(4)
  })

  it('leaves a stricter file alone', () => {
    const path = join(root, 'file')
    writeFileSync(path, '', { mode: 0o400 })
    chmodSync(path, 0o400)
    expect(ensurePrivateFile(path)).toBeUndefined()
    expect(modeOf(path)).toBe(0o400)
  })
})
