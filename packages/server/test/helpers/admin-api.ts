import { expect } from 'vitest'
import { TEST_ADMIN_KEY, type TestApp } from './create-test-app.js'

type Row = Record<string, unknown>

/**
 * What the operator API records about an app, for tests that check what a request left behind
 * (verifications started, events written) instead of only what it answered.
 */
export interface AdminApi {
  /** The app's newest verifications (up to 200), as the operator API lists them. */
  verifications(appId: string): Promise<Row[]>
  /** The app's newest events of one kind (up to 200). */
  events(appId: string, kind: string): Promise<Row[]>
}

export function adminApi(t: TestApp): AdminApi {
  const list = async (url: string, field: string) => {
    const res = await t.request('GET', url, { key: TEST_ADMIN_KEY })
    expect(res.statusCode, res.body).toBe(200)
    return res.json()[field] as Row[]
  }
  return {
    verifications: (appId) => list(`/admin/v1/apps/${appId}/verifications?limit=200`, 'verifications'),
    events: (appId, kind) => list(`/admin/v1/apps/${appId}/events?kind=${kind}&limit=200`, 'events'),
  }
}
