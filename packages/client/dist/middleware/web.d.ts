import { type RequireVerificationOptions, type VerifiedToken } from './verification-guard.js';
/**
 * For fetch-based frameworks (Next.js route handlers, Hono, Remix, Deno, Bun, workers): a function from a
 * Web-standard Request to the verified token, or to the Response (401/403 in Tessera's shape) to answer instead.
 *
 *   const guard = requireVerification({ tessera, scene: 'step-up' })
 *   export async function POST(request: Request) {
 *     const verified = await guard(request)
 *     if (verified instanceof Response) return verified
 *     …
 *   }
 */
export declare function requireVerification(options: RequireVerificationOptions<Request>): (request: Request) => Promise<VerifiedToken | Response>;
export type { RequireVerificationOptions, VerifiedToken };
