import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../../http/create-server.js'

export async function registerConsoleRoutes(_server: FastifyInstance, _deps: ServerDeps): Promise<void> {}
