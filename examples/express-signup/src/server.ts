import type { AddressInfo } from 'node:net'
import { Tessera } from '@tessera/client'
import { createSignupApp } from './signup-app.js'

// TESSERA_URL=http://localhost:3000 TESSERA_API_KEY=tsk_… npm start -w examples/express-signup
// Register `${PUBLIC_URL}/signup/done` in the app's settings.redirect_urls first (see README.md).

const required = (name: string) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

const tessera = new Tessera({ baseUrl: required('TESSERA_URL'), apiKey: required('TESSERA_API_KEY') })
let publicUrl = process.env.PUBLIC_URL ?? ''
const server = createSignupApp({ tessera, publicUrl: () => publicUrl }).listen(Number(process.env.PORT ?? 4567), () => {
  publicUrl ||= `http://localhost:${(server.address() as AddressInfo).port}`
  process.stdout.write(`Example signup app on ${publicUrl}\n`)
})
