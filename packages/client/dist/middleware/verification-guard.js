import { InvalidTokenError, TesseraError } from '../errors.js';
export const TOKEN_HEADER = 'x-verification-token';
const unauthorized = (description) => ({
    status: 401,
    body: { error: 'unauthorized', error_code: 4010, error_description: description },
});
const forbidden = (description) => ({
    status: 403,
    body: { error: 'forbidden', error_code: 4030, error_description: description },
});
/** The one check behind every framework's middleware. */
export async function guardRequest(request, headerOf, options) {
    const token = options.getToken ? await options.getToken(request) : headerOf(request, TOKEN_HEADER);
    if (!token)
        return { ok: false, refusal: unauthorized('A verification token is required (X-Verification-Token).') };
    const scenes = typeof options.scene === 'string' ? [options.scene] : options.scene;
    const expectedUser = options.userId ? ((await options.userId(request)) ?? undefined) : undefined;
    let verified;
    if (options.consume) {
        let answer;
        try {
            // One scene can be checked by Tessera itself; several are checked here, after the consume.
            answer = await options.tessera.tokens.consume({
                verification_token: token,
                ...(scenes.length === 1 ? { scene: scenes[0] } : {}),
            });
        }
        catch (error) {
            if (error instanceof TesseraError && error.status > 0 && error.status < 500) {
                return { ok: false, refusal: unauthorized('The verification token could not be checked.') };
            }
            return {
                ok: false,
                refusal: {
                    status: 503,
                    body: {
                        error: 'service_unavailable',
                        error_code: 5003,
                        error_description: 'Verification is unavailable; retry later.',
                    },
                },
            };
        }
        if (!answer.active) {
            if (answer.reason === 'scene_mismatch')
                return { ok: false, refusal: forbidden('The verification token is for another scene.') };
            return {
                ok: false,
                refusal: unauthorized(`The verification token is ${answer.reason === 'invalid' ? 'not valid' : answer.reason}.`),
            };
        }
        verified = {
            verification_id: answer.verification_id,
            scene: answer.scene,
            channel: answer.channel,
            amr: answer.amr,
            user_id: answer.user_id,
            to: answer.to,
            factor_id: answer.factor_id,
            issued_at: answer.issued_at,
            expires_at: answer.expires_at,
            consumed: true,
        };
    }
    else {
        let claims;
        try {
            claims = await options.tessera.verifyToken(token, {
                scene: scenes,
                ...(options.audience === undefined ? {} : { audience: options.audience }),
            });
        }
        catch (error) {
            if (error instanceof InvalidTokenError) {
                if (error.reason === 'scene_mismatch')
                    return { ok: false, refusal: forbidden('The verification token is for another scene.') };
                return { ok: false, refusal: unauthorized(`The verification token is not valid (${error.reason}).`) };
            }
            throw error;
        }
        verified = {
            verification_id: claims.vid,
            scene: claims.scene,
            channel: claims.channel,
            amr: claims.amr ?? [claims.channel],
            user_id: claims.sub ?? null,
            to: claims.to ?? null,
            factor_id: claims.factor_id ?? null,
            issued_at: new Date(claims.iat * 1000).toISOString(),
            expires_at: new Date(claims.exp * 1000).toISOString(),
            consumed: false,
            claims,
        };
    }
    if (!scenes.includes(verified.scene))
        return { ok: false, refusal: forbidden('The verification token is for another scene.') };
    if (expectedUser !== undefined && verified.user_id !== expectedUser) {
        return { ok: false, refusal: forbidden('The verification token is about another user.') };
    }
    return { ok: true, verified };
}
