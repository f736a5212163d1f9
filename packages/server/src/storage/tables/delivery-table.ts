// Providers' attempts to deliver codes. Conventions (names, times): database.ts.

export type DeliveryStatusColumn = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed'

/** One attempt of one provider to deliver one code. */
export interface DeliveryTable {
  id: string
  appId: string
  verificationId: string
  /** Place in the provider chain of its send (0 first): orders attempts made in the same millisecond. */
  attempt: number
  channel: string
  provider: string
  status: DeliveryStatusColumn
  providerMessageId: string | null
  errorCode: string | null
  createdAt: number
  /** When the status last changed. */
  updatedAt: number
}
