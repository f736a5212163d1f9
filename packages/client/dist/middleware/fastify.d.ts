import { type RequireVerificationOptions, type VerifiedToken } from './verification-guard.js';
/** The parts of Fastify's request and reply the hook uses (no dependency on fastify itself). */
export interface FastifyLikeRequest {
    readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
    verification?: VerifiedToken;
}
export interface FastifyLikeReply {
    code(status: number): FastifyLikeReply;
    send(body?: unknown): unknown;
}
/** What `getToken` and `userId` receive: Fastify's request (`params`, `body`, … as your route has them). */
export type FastifyRequest = FastifyLikeRequest & {
    readonly [property: string]: any;
};
/**
 * A Fastify preHandler: the route runs only with a valid verification token for `scene` (offline, or consumed
 * online with `consume: true`), and finds it on `request.verification`; else 401/403 in Tessera's shape.
 *
 *   fastify.post('/account/delete', { preHandler: requireVerification({ tessera, scene: 'step-up' }) }, handler)
 */
export declare function requireVerification(options: RequireVerificationOptions<FastifyRequest>): (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<unknown>;
export type { RequireVerificationOptions, VerifiedToken };
