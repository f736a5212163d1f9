import { guardRequest } from './verification-guard.js';
/**
 * A Fastify preHandler: the route runs only with a valid verification token for `scene` (offline, or consumed
 * online with `consume: true`), and finds it on `request.verification`; else 401/403 in Tessera's shape.
 *
 *   fastify.post('/account/delete', { preHandler: requireVerification({ tessera, scene: 'step-up' }) }, handler)
 */
export function requireVerification(options) {
    return async (request, reply) => {
        const outcome = await guardRequest(request, headerOf, options);
        if (!outcome.ok) {
            // An async hook that sent the reply returns it: Fastify then runs neither later hooks nor the handler.
            return reply.code(outcome.refusal.status).send(outcome.refusal.body);
        }
        request.verification = outcome.verified;
        return undefined;
    };
}
function headerOf(request, name) {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
}
