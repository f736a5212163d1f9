import { guardRequest } from './verification-guard.js';
/**
 * Express middleware: the route runs only with a valid verification token for `scene` (checked offline, or
 * consumed online with `consume: true`), and finds it on `req.verification`; else 401/403 in Tessera's shape.
 *
 *   app.post('/account/delete', requireVerification({ tessera, scene: 'step-up', consume: true }), handler)
 */
export function requireVerification(options) {
    return (request, response, next) => {
        guardRequest(request, headerOf, options).then((outcome) => {
            if (!outcome.ok) {
                response.status(outcome.refusal.status).json(outcome.refusal.body);
                return;
            }
            request.verification = outcome.verified;
            next();
        }, next);
    };
}
function headerOf(request, name) {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
}
