import { describe, expect, it } from 'vitest'
import type { Store } from '../storage/store.js'
import { createStorageOutage } from './storage-outage.js'

// The readiness memory of write failures (the end-to-end behaviour over HTTP on a really full
// SQLite database is test/e2e/full-disk-is-an-outage.test.ts).
// @see issue 13, part 8

const diskFull = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
const readOnly = Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' })

/** A store whose probe write answers what the test says, counting the probes. */
function probeStore() {
  const state = { probes: 0, fail: undefined as unknown, gate: undefined as Promise<void> | undefined }
  // Only probeWrite is used by the outage memory; the rest of the Store is not needed here.
  const store = {
    async probeWrite() {
      state.probes++
      await state.gate
      if (state.fail !== undefined) throw state.fail
    },
  } as unknown as Store
  return { store, state }
}

describe('createStorageOutage', () => {
  it('stays a read while nothing failed: no probe write', async () => {
    const { store, state } = probeStore()
    const outage = createStorageOutage({ store })
    expect(outage.note(new Error('a bug'))).toBe(false)
    expect(outage.note(Object.assign(new Error('duplicate'), { code: '23505' }))).toBe(false)
    expect(await outage.check()).toEqual({ writable: true, recovered: false })
    expect(state.probes).toBe(0)
  })

  it('after a storage failure, probes until a write succeeds, then forgets it', async () => {
    const { store, state } = probeStore()
    const outage = createStorageOutage({ store })
    expect(outage.note(diskFull)).toBe(true)
    state.fail = readOnly
    expect(await outage.check()).toEqual({ writable: false, error: readOnly })
    expect(await outage.check()).toEqual({ writable: false, error: readOnly })
    expect(state.probes).toBe(2)
    state.fail = undefined
    expect(await outage.check()).toEqual({ writable: true, recovered: true })
    expect(await outage.check()).toEqual({ writable: true, recovered: false })
    expect(state.probes).toBe(3)
  })

  it('shares one probe among concurrent checks', async () => {
    const { store, state } = probeStore()
    const outage = createStorageOutage({ store })
    outage.note(diskFull)
    let open: () => void = () => undefined
    state.gate = new Promise<void>((resolve) => {
      open = resolve
    })
    const checks = [outage.check(), outage.check(), outage.check()]
    open()
    expect(await Promise.all(checks)).toEqual([
      { writable: true, recovered: true },
      { writable: true, recovered: true },
      { writable: true, recovered: true },
    ])
    expect(state.probes).toBe(1)
  })

  it('a failure noted while a probe ran outweighs that probe’s success', async () => {
    const { store, state } = probeStore()
    const outage = createStorageOutage({ store })
    outage.note(diskFull)
    let open: () => void = () => undefined
    state.gate = new Promise<void>((resolve) => {
      open = resolve
    })
    const check = outage.check()
    outage.note(diskFull)
    open()
    expect(await check).toMatchObject({ writable: false })
    state.gate = undefined
    expect(await outage.check()).toEqual({ writable: true, recovered: true })
  })
})
